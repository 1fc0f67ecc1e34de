fn main() {
    println!("axum-login: not yet implemented");
}

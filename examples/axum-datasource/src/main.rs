fn main() {
    println!("axum-datasource: not yet implemented");
}

fn main() {
    println!("actix-bridge: not yet implemented");
}

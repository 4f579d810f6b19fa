//! Prints `docs/validation.md`:
//! `cargo run --release -p polarity-validation --example validation-report > docs/validation.md`.
fn main() {
    match polarity_validation::facts::report() {
        Ok(text) => print!("{text}"),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    }
}

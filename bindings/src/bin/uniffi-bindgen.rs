//! UniFFI's binding generator, built with the same UniFFI version as the library.
fn main() {
    uniffi::uniffi_bindgen_main()
}

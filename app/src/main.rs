//! The portal build.

fn main() {
    app::mount(app::Mode::Portal);
}

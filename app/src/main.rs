//! The portal build.

fn main() {
    app::mount_portal();
}

//! The kiosk build: the same app, in its kiosk body, served at `/kiosk/`.

fn main() {
    app::mount_kiosk();
}

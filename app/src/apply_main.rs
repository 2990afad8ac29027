//! The portal's application flow (网上申报), a bundle of its own so that the portal's first
//! visit does not carry it. The server serves it for `/services/{code}/apply…`.

fn main() {
    app::mount_apply();
}

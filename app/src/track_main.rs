//! The portal's progress lookup (办件查询), a bundle of its own: the receipt's QR code lands
//! here, mostly on phones over mobile data, so it carries nothing else. The server serves it
//! for `/track` and `/track/{number}`.

fn main() {
    app::mount_track();
}

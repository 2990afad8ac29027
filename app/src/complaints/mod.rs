//! Complaints (投诉): the form (`/complaints/new`, in the apply bundle because it uploads),
//! the lookup and the complaint page (`/complaints`, `/complaints/{number}?c=`, in the
//! track bundle), and the same at the kiosk under `/kiosk`.

pub mod created;
pub mod draft;
pub mod form;
pub mod lookup;
pub mod messages;
pub mod view;

//! Complaints (投诉): the form (`/complaints/new`), the lookup and the complaint page
//! (`/complaints`, `/complaints/{number}?c=`), all in the apply bundle (the form uploads, and
//! following a complaint starts from its confirmation), and the same at the kiosk under
//! `/kiosk`.

pub mod created;
pub mod draft;
pub mod form;
pub mod lookup;
pub mod messages;
pub mod view;

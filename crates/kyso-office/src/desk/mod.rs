//! The certificate service desk (DESIGN §10, seed 001, Decree 68/2024):
//! requests from subscribers through their managing organization to the
//! CA or the provincial department, decided through kyso's CA; deadlines
//! in working days; the registry of key devices with their handovers.
//!
//! Every transition is one use case of [`crate::Office`] in one
//! transaction with its audit entry, allowed only by the table in
//! [`state`]; a refusal changes nothing.

pub mod calendar;
pub mod custody;
pub mod decision;
pub mod departure;
pub mod device;
pub mod dossier;
pub mod form;
pub mod kind;
pub mod letter;
pub mod notice;
pub mod offer;
pub mod periodic;
pub mod record;
pub mod record_file;
pub mod report;
pub mod report_chart;
pub mod report_pdf;
pub mod request;
pub mod state;
pub mod view;

pub use calendar::{CalendarDay, DayKind, DueStatus};
pub use custody::{CustodianChange, CustodyView};
pub use decision::Approval;
pub use departure::{Departure, DepartureView, DueDevice, Transfer, TransferView};
pub use device::{DeviceState, DeviceView, HandoverMethod, NewDevice, NewHandover};
pub use dossier::{DossierReport, DOSSIER_LIMIT};
pub use form::RequestForm;
pub use kind::{RequestKind, Route};
pub use notice::{NoticeKind, NoticeRun, NoticeState, NoticeView};
pub use periodic::{PeriodicReportView, PeriodicRun, Schedule};
pub use report::{report_csv, DeskReport, ReportQuery};
pub use report_chart::{chart_svg, ChartKind};
pub use request::NewRequest;
pub use state::{Action, State};
pub use view::{RequestFilter, RequestView};

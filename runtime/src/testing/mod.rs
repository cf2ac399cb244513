//! Testing workflows as Step Functions users do, inside `cargo test`:
//!
//! - TestState for one compiled state (`Workflow::test_state`, typed by the generated `State`
//!   enums), with mocks, inspection data and state configuration as the TestState API has them;
//! - mock test cases in Step Functions Local's `MockConfigFile.json` format;
//! - assertions on an execution's history.

mod assertions;
mod mock_file;
mod test_state;

#[doc(hidden)]
pub use assertions::__assert_json_eq;
pub use assertions::{
    Ending, ErrorEvent, HistoryRecord, MAX_LINES, Outcome, Trace, Visit, json_diff,
};
/// What generated `Tasks` implementations for [`Mocked`] call (re-exported by `__codegen`).
pub(crate) use mock_file::glue as mock_glue;
pub use mock_file::{MockCase, MockFile, MockFileError, Mocked, Unmocked};
#[doc(hidden)]
pub use test_state::StartFn;
#[doc(hidden)]
pub use test_state::run as run_test_state;
pub use test_state::{
    ErrorDetails, FieldValidationMode, InspectionData, InspectionLevel, Mock, TestResult,
    TestState, TestStateError, TestStatus, validate_mock,
};

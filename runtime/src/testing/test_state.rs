//! TestState for one compiled state.

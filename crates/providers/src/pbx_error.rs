//! A PBX's own error, whichever PBX: what [`ProviderError`](crate::ProviderError) carries when
//! the PBX said no or could not be reached. Each provider's error enum comes in through one
//! `From` impl in its own folder ([`pbx_error!`](crate::pbx_error)), so a new provider adds no
//! variant here, and the app still reads the [`Problem`] and the provider's own sentence.

use std::error::Error;
use std::fmt;

use crate::problem::{HasProblem, Problem};

/// What a provider's error must be able to say.
pub trait PbxFailure: Error + HasProblem + Send + Sync + 'static {}

impl<T: Error + HasProblem + Send + Sync + 'static> PbxFailure for T {}

/// One provider's error, boxed.
pub struct PbxError(Box<dyn PbxFailure>);

impl PbxError {
    /// Wraps a provider's error.
    pub fn new(error: impl PbxFailure) -> PbxError {
        PbxError(Box::new(error))
    }

    /// The provider's own error, when it is a `T` (tests, and the few places that must tell
    /// one failure of one PBX from another).
    pub fn downcast_ref<T: Error + 'static>(&self) -> Option<&T> {
        let error: &(dyn Error + 'static) = self.0.as_ref();
        error.downcast_ref()
    }
}

impl fmt::Debug for PbxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for PbxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl Error for PbxError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.0.source()
    }
}

impl HasProblem for PbxError {
    fn problem(&self) -> Problem {
        self.0.problem()
    }
}

/// `impl From<$error> for ProviderError`, in the provider's folder: its error becomes a
/// [`ProviderError::Pbx`](crate::ProviderError::Pbx) wherever `?` meets it.
#[macro_export]
macro_rules! pbx_error {
    ($error:ty) => {
        impl From<$error> for $crate::ProviderError {
            fn from(error: $error) -> Self {
                $crate::ProviderError::Pbx($crate::pbx_error::PbxError::new(error))
            }
        }
    };
}

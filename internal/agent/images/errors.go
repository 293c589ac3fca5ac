package images

// Waiting reasons a container shows while its image is not there, as
// kubelet reports them in status.containerStatuses[].state.waiting.
const (
	ReasonErrImagePull      = "ErrImagePull"
	ReasonImagePullBackOff  = "ImagePullBackOff"
	ReasonErrImageNeverPull = "ErrImageNeverPull"
	ReasonInvalidImageName  = "InvalidImageName"
	ReasonImageInspectError = "ImageInspectError"
	// The runtime's own classifications of a failed pull (cri-api's
	// pkg/errors), passed on as reasons when the runtime names them.
	ReasonRegistryUnavailable       = "RegistryUnavailable"
	ReasonSignatureValidationFailed = "SignatureValidationFailed"
)

// PullError is why EnsureImage could not provide an image. Error is the
// container's waiting message and Reason its waiting reason, the shape the
// pod workers read any start failure in.
type PullError struct {
	reason  string
	message string
}

func (e *PullError) Error() string { return e.message }

// Reason is the container's waiting reason (ErrImagePull, ...).
func (e *PullError) Reason() string { return e.reason }

// summary is how a later back-off message quotes this failure, as kubelet's
// "Back-off pulling image ...: ErrImagePull: <message>".
func (e *PullError) summary() string { return e.reason + ": " + e.message }

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

// PullError is why EnsureImage could not provide an image: Reason is the
// container's waiting reason, Message its waiting message.
type PullError struct {
	Reason  string
	Message string
}

func (e *PullError) Error() string { return e.Reason + ": " + e.Message }

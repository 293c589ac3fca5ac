package images

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/flowcontrol"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/utils/clock"
)

// Pull back-off per (pod, image), as kubelet's: 10s doubling to 5 minutes.
const (
	pullBackOffInitial = 10 * time.Second
	pullBackOffMax     = 300 * time.Second
)

// Kubelet's event reasons for images.
const (
	eventPulling        = "Pulling"
	eventPulled         = "Pulled"
	eventFailed         = "Failed"
	eventBackOff        = "BackOff"
	eventInspectFailed  = "InspectFailed"
	eventNeverPullError = "ErrImageNeverPull"
)

// Manager provides containers' images through CRI.
type Manager struct {
	images   runtimeapi.ImageServiceClient
	recorder record.EventRecorder
	clock    clock.Clock
	backOff  *flowcontrol.Backoff

	mu sync.Mutex
	// lastErr keeps each back-off key's pull failure, so the back-off
	// message tells the user what went wrong rather than only "back-off".
	lastErr map[string]string
}

// NewManager returns a Manager pulling through images, recording events
// with recorder (source component "kubelet") and timing with clock.
func NewManager(images runtimeapi.ImageServiceClient, recorder record.EventRecorder, clk clock.Clock) *Manager {
	backOff := flowcontrol.NewBackOff(pullBackOffInitial, pullBackOffMax)
	backOff.Clock = clk
	return &Manager{images: images, recorder: recorder, clock: clk, backOff: backOff, lastErr: map[string]string{}}
}

// EnsureImage makes c's image present according to its pull policy and
// returns the runtime's image reference (its ID) for CreateContainer.
// sandbox is the pod's sandbox config, which containerd uses to pick a
// runtime handler's snapshotter. Errors are *PullError.
func (m *Manager) EnsureImage(ctx context.Context, pod *v1.Pod, c *v1.Container, pullSecrets []v1.Secret, sandbox *runtimeapi.PodSandboxConfig) (string, error) {
	ref := containerRef(pod, c.Name)
	image, err := withDefaultTag(c.Image)
	if err != nil {
		msg := fmt.Sprintf("Failed to apply default image tag %q: %v", c.Image, err)
		m.recorder.Event(ref, v1.EventTypeWarning, eventInspectFailed, msg)
		return "", &PullError{reason: ReasonInvalidImageName, message: msg}
	}
	policy := pullPolicy(c)
	if policy != v1.PullAlways {
		status, err := m.images.ImageStatus(ctx, &runtimeapi.ImageStatusRequest{Image: &runtimeapi.ImageSpec{Image: image}})
		if err != nil {
			msg := fmt.Sprintf("Failed to inspect image %q: %v", image, err)
			m.recorder.Event(ref, v1.EventTypeWarning, eventInspectFailed, msg)
			return "", &PullError{reason: ReasonImageInspectError, message: msg}
		}
		if id := status.GetImage().GetId(); id != "" {
			m.recorder.Eventf(ref, v1.EventTypeNormal, eventPulled, "Container image %q already present on machine", c.Image)
			return id, nil
		}
		if policy == v1.PullNever {
			msg := fmt.Sprintf("Container image %q is not present with pull policy of Never", c.Image)
			m.recorder.Event(ref, v1.EventTypeWarning, eventNeverPullError, msg)
			return "", &PullError{reason: ReasonErrImageNeverPull, message: msg}
		}
	}
	return m.pull(ctx, pod, c.Name, ref, image, pullSecrets, sandbox)
}

func (m *Manager) pull(ctx context.Context, pod *v1.Pod, container string, ref *v1.ObjectReference, image string, pullSecrets []v1.Secret, sandbox *runtimeapi.PodSandboxConfig) (string, error) {
	key := string(pod.UID) + "_" + image
	log := slog.With("pod", pod.Namespace+"/"+pod.Name, "container", container, "image", image)
	if m.backOff.IsInBackOffSinceUpdate(key, m.clock.Now()) {
		msg := fmt.Sprintf("Back-off pulling image %q", image)
		m.recorder.Event(ref, v1.EventTypeNormal, eventBackOff, msg)
		m.mu.Lock()
		if last, ok := m.lastErr[key]; ok {
			msg += ": " + last
		}
		m.mu.Unlock()
		return "", &PullError{reason: ReasonImagePullBackOff, message: msg}
	}
	m.mu.Lock()
	delete(m.lastErr, key)
	m.mu.Unlock()

	creds, err := secretCredentials(pullSecrets)
	if err != nil {
		log.Warn("Ignoring image pull secrets", "err", err)
		creds = nil
	}
	m.recorder.Eventf(ref, v1.EventTypeNormal, eventPulling, "Pulling image %q", image)
	start := m.clock.Now()
	imageRef, err := m.pullWith(ctx, image, credentialsFor(image, creds), sandbox)
	if err != nil {
		m.recorder.Eventf(ref, v1.EventTypeWarning, eventFailed, "Failed to pull image %q: %v", image, err)
		m.backOff.Next(key, m.clock.Now())
		perr := classifyPullError(image, err)
		m.mu.Lock()
		m.lastErr[key] = perr.summary()
		m.mu.Unlock()
		log.Warn("Failed to pull image", "err", err)
		return "", perr
	}
	took := m.clock.Since(start).Truncate(time.Millisecond)
	var size uint64
	if st, err := m.images.ImageStatus(ctx, &runtimeapi.ImageStatusRequest{Image: &runtimeapi.ImageSpec{Image: image}}); err == nil {
		size = st.GetImage().GetSize()
	}
	// Pulls are not queued behind each other, so the time spent waiting
	// is the pull itself.
	m.recorder.Eventf(ref, v1.EventTypeNormal, eventPulled, "Successfully pulled image %q in %v (%v including waiting). Image size: %v bytes.", image, took, took, size)
	m.backOff.GC()
	log.Info("Pulled image", "imageRef", imageRef, "duration", took)
	return imageRef, nil
}

// pullWith tries each credential in turn (anonymously when there are none)
// and returns the first success or every failure.
func (m *Manager) pullWith(ctx context.Context, image string, auths []*runtimeapi.AuthConfig, sandbox *runtimeapi.PodSandboxConfig) (string, error) {
	if len(auths) == 0 {
		auths = []*runtimeapi.AuthConfig{nil}
	}
	var errs []error
	for _, auth := range auths {
		resp, err := m.images.PullImage(ctx, &runtimeapi.PullImageRequest{
			Image: &runtimeapi.ImageSpec{Image: image}, Auth: auth, SandboxConfig: sandbox,
		})
		if err == nil {
			return resp.GetImageRef(), nil
		}
		errs = append(errs, err)
	}
	return "", errors.Join(errs...)
}

// classifyPullError turns a runtime's pull failure into the container's
// waiting state, keeping the runtime's own classification when it gives one
// (the error message starts with the reason, as cri-api's errors do).
func classifyPullError(image string, err error) *PullError {
	msg := err.Error()
	for reason, why := range map[string]string{
		ReasonRegistryUnavailable:       "the registry is unavailable",
		ReasonSignatureValidationFailed: "the signature validation failed",
	} {
		if rest, ok := strings.CutPrefix(msg, reason); ok {
			return &PullError{reason: reason, message: fmt.Sprintf("image pull failed for %s because %s%s", image, why, rest)}
		}
	}
	return &PullError{reason: ReasonErrImagePull, message: msg}
}

package apiserver

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bosun-dev/bosun/internal/apiserver/storage"
)

// storageError turns a storage error into the StatusError Kubernetes returns
// for the same situation on resource gr named name.
func storageError(err error, gr schema.GroupResource, name string) error {
	var status apierrors.APIStatus
	switch {
	case errors.As(err, &status):
		return err
	case errors.Is(err, storage.ErrNotFound):
		return apierrors.NewNotFound(gr, name)
	case errors.Is(err, storage.ErrExists):
		return apierrors.NewAlreadyExists(gr, name)
	case errors.Is(err, storage.ErrConflict):
		return apierrors.NewConflict(gr, name, errors.New(conflictMessage))
	case errors.Is(err, storage.ErrGone):
		return apierrors.NewResourceExpired(err.Error())
	case errors.Is(err, storage.ErrTooLarge):
		// err reads "Too large resource version: N, current: M" already.
		st := apierrors.NewTimeoutError(err.Error(), 1)
		st.ErrStatus.Details.Causes = []metav1.StatusCause{{Type: metav1.CauseTypeResourceVersionTooLarge, Message: "Too large resource version"}}
		return st
	case errors.Is(err, storage.ErrBadVersion):
		return apierrors.NewBadRequest(err.Error())
	}
	return apierrors.NewInternalError(err)
}

const conflictMessage = "the object has been modified; please apply your changes to the latest version and try again"

// writeError writes err as a metav1.Status in the negotiated encoding.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		slog.Error("Internal error", "path", r.URL.Path, "err", err)
		status = apierrors.NewInternalError(err)
	}
	st := status.Status()
	st.Kind, st.APIVersion = "Status", "v1"
	if st.Status == "" {
		st.Status = metav1.StatusFailure
	}
	code := int(st.Code)
	if code == 0 {
		code = http.StatusInternalServerError
	}
	// Any Status suggesting a retry gets Retry-After, as in kube-apiserver:
	// client-go retries on it (a 504 for a too-large resourceVersion is
	// retried after a second, while the watch cache catches up).
	if st.Details != nil && st.Details.RetryAfterSeconds > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(st.Details.RetryAfterSeconds))
	}
	s.writeObject(w, r, code, &st)
}

func methodNotSupported(verb string, gr schema.GroupResource) error {
	return apierrors.NewMethodNotSupported(gr, verb)
}

func schemaGK(kind string) schema.GroupKind { return schema.GroupKind{Kind: kind} }

func fieldErrs(path string, value any, detail string) field.ErrorList {
	return field.ErrorList{field.Invalid(field.NewPath(path), value, detail)}
}

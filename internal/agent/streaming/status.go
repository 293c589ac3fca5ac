package streaming

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/remotecommand"
	"k8s.io/client-go/util/exec"
)

func writeJSON(w http.ResponseWriter, code int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(data)
}

// writeStatus answers with err as a metav1.Status, as the API server would,
// so the API server can pass it on unchanged.
func writeStatus(w http.ResponseWriter, err error) {
	st := apierrors.APIStatus(nil)
	if !errors.As(err, &st) {
		st = apierrors.NewInternalError(err)
	}
	s := st.Status()
	s.Kind, s.APIVersion = "Status", "v1"
	writeJSON(w, int(s.Code), &s)
}

func unauthorized() error { return apierrors.NewUnauthorized("Unauthorized") }

func badRequest(msg string) error { return apierrors.NewBadRequest(msg) }

// notFound keeps kubelet's own wording, which NewNotFound would replace.
func notFound(msg string) error {
	return &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure,
		Code: http.StatusNotFound, Reason: metav1.StatusReasonNotFound, Message: msg}}
}

// exitStatus is what the error channel of a v4+ stream carries when a
// command ends: success, an exit code the client turns into its own, or a
// failure message.
func exitStatus(err error) *metav1.Status {
	s := &metav1.Status{TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}}
	if err == nil {
		s.Status = metav1.StatusSuccess
		return s
	}
	s.Status = metav1.StatusFailure
	var ee exec.ExitError
	if errors.As(err, &ee) && ee.Exited() {
		code := ee.ExitStatus()
		s.Reason = remotecommand.NonZeroExitCodeReason
		s.Message = err.Error()
		s.Details = &metav1.StatusDetails{Causes: []metav1.StatusCause{{
			Type: remotecommand.ExitCodeCauseType, Message: strconv.Itoa(code)}}}
		return s
	}
	s.Reason = metav1.StatusReasonInternalError
	s.Message = err.Error()
	return s
}

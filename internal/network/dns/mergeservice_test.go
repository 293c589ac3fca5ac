package dns

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestMergeService(t *testing.T) {
	svc := &corev1.Service{}
	if !mergeService(svc, 53) {
		t.Fatal("empty service unchanged")
	}
	if mergeService(svc, 53) {
		t.Error("second merge changed the service")
	}
	if !mergeService(svc, 5353) || svc.Spec.Ports[0].TargetPort.IntValue() != 5353 {
		t.Errorf("new target port not merged: %+v", svc.Spec.Ports)
	}
}

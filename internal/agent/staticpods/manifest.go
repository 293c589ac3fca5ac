package staticpods

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"
)

// Kubelet's config annotations on static and mirror pods.
const (
	ConfigSourceAnnotation = "kubernetes.io/config.source"
	ConfigHashAnnotation   = "kubernetes.io/config.hash"
	ConfigSeenAnnotation   = "kubernetes.io/config.seen"
	ConfigMirrorAnnotation = v1.MirrorPodAnnotationKey
	// sourceFile is the config source of manifests read from a directory.
	sourceFile = "file"
)

// parse decodes one manifest into the pod it asks for, before node defaults.
func parse(data []byte) (*v1.Pod, error) {
	var pod v1.Pod
	if err := yaml.Unmarshal(data, &pod); err != nil {
		return nil, fmt.Errorf("decode pod manifest: %w", err)
	}
	if pod.Kind != "Pod" || (pod.APIVersion != "v1" && pod.APIVersion != "") {
		return nil, fmt.Errorf("manifest is %s %s, want a v1 Pod", pod.APIVersion, pod.Kind)
	}
	if pod.Name == "" {
		return nil, errors.New("pod manifest has no metadata.name")
	}
	if len(pod.Spec.Containers) == 0 {
		return nil, errors.New("pod manifest has no containers")
	}
	return &pod, nil
}

// hash identifies a manifest's content on a node: a change to either
// replaces the mirror pod.
func hash(pod *v1.Pod, nodeName string) string {
	b, _ := json.Marshal(pod) // a decoded Pod always marshals
	sum := sha256.Sum256(append(b, "host:"+nodeName...))
	return hex.EncodeToString(sum[:16])
}

// mirrorPod is the pod the API server keeps for a parsed manifest on
// nodeName, as kubelet defaults a static pod: name suffixed with the node,
// namespace default "default", bound to the node, tolerating every
// NoExecute taint, with the config annotations and owned by the Node.
func mirrorPod(pod *v1.Pod, nodeName string, node metav1.OwnerReference, seen time.Time) *v1.Pod {
	h := hash(pod, nodeName)
	p := pod.DeepCopy()
	p.TypeMeta = metav1.TypeMeta{}
	p.Name = pod.Name + "-" + strings.ToLower(nodeName)
	if p.Namespace == "" {
		p.Namespace = metav1.NamespaceDefault
	}
	p.UID, p.ResourceVersion, p.GenerateName = "", "", ""
	p.Spec.NodeName = nodeName
	p.Spec.Tolerations = append(p.Spec.Tolerations, v1.Toleration{Operator: v1.TolerationOpExists, Effect: v1.TaintEffectNoExecute})
	if p.Annotations == nil {
		p.Annotations = map[string]string{}
	}
	p.Annotations[ConfigSourceAnnotation] = sourceFile
	p.Annotations[ConfigHashAnnotation] = h
	p.Annotations[ConfigMirrorAnnotation] = h
	p.Annotations[ConfigSeenAnnotation] = seen.Format(time.RFC3339Nano)
	p.OwnerReferences = []metav1.OwnerReference{node}
	p.Status = v1.PodStatus{}
	return p
}

// nodeOwner is the owner reference of a mirror pod to its Node.
func nodeOwner(name string, uid types.UID) metav1.OwnerReference {
	controller := true
	return metav1.OwnerReference{APIVersion: "v1", Kind: "Node", Name: name, UID: uid, Controller: &controller}
}

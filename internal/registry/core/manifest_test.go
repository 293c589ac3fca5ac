package core

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"
)

// webTemplate is an ordinary template: sidecar, env from a secret, named
// probe port, partial resources, two volumes. Nothing in it is invalid.
const webTemplate = `
metadata: {labels: {app: web, tier: front}}
spec:
  serviceAccountName: web
  imagePullSecrets: [{name: regcred}]
  initContainers:
    - name: migrate
      image: example.test/web:1
    - name: proxy
      image: example.test/proxy:1
      restartPolicy: Always
      readinessProbe: {tcpSocket: {port: 15000}}
  containers:
    - name: web
      image: example.test/web:1
      ports: [{name: http, containerPort: 8080}, {name: metrics, containerPort: 9090, protocol: TCP}]
      env:
        - {name: MODE, value: production}
        - name: TOKEN
          valueFrom: {secretKeyRef: {name: web, key: token}}
      resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 128Mi}}
      livenessProbe: {httpGet: {path: /healthz, port: http}}
      volumeMounts: [{name: cache, mountPath: /cache}, {name: config, mountPath: /etc/web}]
  volumes:
    - {name: cache, emptyDir: {}}
    - name: config
      configMap: {name: web}
`

// TestManifestMistakes changes one thing in webTemplate at a time, as a
// user editing a manifest would, and expects one or two errors naming it.
func TestManifestMistakes(t *testing.T) {
	validate := func(t *testing.T, manifest string) []string {
		t.Helper()
		var tmpl corev1.PodTemplateSpec
		if err := yaml.UnmarshalStrict([]byte(manifest), &tmpl); err != nil {
			t.Fatal(err)
		}
		DefaultPodSpec(&tmpl.Spec)
		return errorStrings(ValidatePodTemplateSpec(&tmpl, field.NewPath("spec", "template")))
	}
	if errs := validate(t, webTemplate); len(errs) > 0 {
		t.Fatalf("valid template refused: %v", errs)
	}
	for name, tc := range map[string]struct{ old, new, want string }{
		"port out of range":    {"containerPort: 8080", "containerPort: 80800", "spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 80800"},
		"port name too long":   {"name: metrics, containerPort", "name: metrics-endpoint-http, containerPort", "must be no more than 15 characters"},
		"duplicate port name":  {"name: metrics, containerPort", "name: http, containerPort", `ports[1].name: Duplicate value: "http"`},
		"unknown protocol":     {"protocol: TCP", "protocol: HTTP", `Unsupported value: "HTTP"`},
		"mount without volume": {"{name: cache, emptyDir: {}}", "{name: scratch, emptyDir: {}}", `volumeMounts[0].name: Not found: "cache"`},
		"two volume types":     {"{name: cache, emptyDir: {}}", "{name: cache, emptyDir: {}, secret: {secretName: x}}", "may not specify more than 1 volume type"},
		"value and valueFrom":  {"- name: TOKEN\n", "- name: TOKEN\n          value: literal\n", "may not be specified when `value` is not empty"},
		"request above limit":  {"memory: 64Mi", "memory: 256Mi", "must be less than or equal to memory limit of 128Mi"},
		"probe on a plain init container": {"image: example.test/web:1\n    - name: proxy", "image: example.test/web:1\n      livenessProbe: {exec: {command: [ok]}}\n    - name: proxy",
			"may not be set for init containers without restartPolicy=Always"},
		"probe without handler": {"livenessProbe: {httpGet: {path: /healthz, port: http}}", "livenessProbe: {periodSeconds: 5}", "must specify a handler type"},
		"container name":        {"- name: web\n      image", "- name: Web_App\n      image", "spec.template.spec.containers[0].name: Invalid value"},
		"duplicate container":   {"- name: proxy", "- name: migrate", `Duplicate value: "migrate"`},
		"no image":              {"- name: web\n      image: example.test/web:1", "- name: web", "containers[0].image: Required value"},
		"pull policy":           {"- name: web\n", "- name: web\n      imagePullPolicy: Sometimes\n", `Unsupported value: "Sometimes"`},
		"label value":           {"tier: front", `tier: "front end"`, "spec.template.metadata.labels: Invalid value"},
	} {
		t.Run(name, func(t *testing.T) {
			if !strings.Contains(webTemplate, tc.old) {
				t.Fatalf("the template has no %q", tc.old)
			}
			errs := validate(t, strings.Replace(webTemplate, tc.old, tc.new, 1))
			found := false
			for _, e := range errs {
				found = found || strings.Contains(e, tc.want)
			}
			if !found || len(errs) > 2 {
				t.Errorf("want one or two errors, one containing %q; got %q", tc.want, errs)
			}
		})
	}
}

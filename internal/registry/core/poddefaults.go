package core

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// defaultMode is the file mode (0644) Kubernetes gives projected files when
// the volume does not say.
const defaultMode int32 = 0o644

func defaultContainer(c *corev1.Container) {
	if c.ImagePullPolicy == "" {
		c.ImagePullPolicy = pullPolicyFor(c.Image)
	}
	if c.TerminationMessagePath == "" {
		c.TerminationMessagePath = corev1.TerminationMessagePathDefault
	}
	if c.TerminationMessagePolicy == "" {
		c.TerminationMessagePolicy = corev1.TerminationMessageReadFile
	}
	for i := range c.Ports {
		if c.Ports[i].Protocol == "" {
			c.Ports[i].Protocol = corev1.ProtocolTCP
		}
	}
	defaultEnv(c.Env)
	defaultProbe(c.LivenessProbe)
	defaultProbe(c.ReadinessProbe)
	defaultProbe(c.StartupProbe)
	defaultLifecycle(c.Lifecycle)
}

func defaultEphemeralContainer(c *corev1.EphemeralContainer) {
	cc := &c.EphemeralContainerCommon
	if cc.ImagePullPolicy == "" {
		cc.ImagePullPolicy = pullPolicyFor(cc.Image)
	}
	if cc.TerminationMessagePath == "" {
		cc.TerminationMessagePath = corev1.TerminationMessagePathDefault
	}
	if cc.TerminationMessagePolicy == "" {
		cc.TerminationMessagePolicy = corev1.TerminationMessageReadFile
	}
	defaultEnv(cc.Env)
}

// pullPolicyFor is Always for images that float (":latest" or no tag nor
// digest) and IfNotPresent otherwise, so a pinned image is pulled once.
func pullPolicyFor(image string) corev1.PullPolicy {
	if tag, digest := imageTag(image); tag == "latest" || (tag == "" && !digest && image != "") {
		return corev1.PullAlways
	}
	return corev1.PullIfNotPresent
}

// imageTag splits the tag and digest presence out of an image reference,
// minding registry ports ("localhost:5000/app" has no tag).
func imageTag(image string) (tag string, digest bool) {
	if i := strings.IndexByte(image, '@'); i >= 0 {
		image, digest = image[:i], true
	}
	last := image[strings.LastIndexByte(image, '/')+1:]
	if i := strings.LastIndexByte(last, ':'); i >= 0 {
		tag = last[i+1:]
	}
	return tag, digest
}

func defaultEnv(env []corev1.EnvVar) {
	for i := range env {
		if vf := env[i].ValueFrom; vf != nil && vf.FieldRef != nil && vf.FieldRef.APIVersion == "" {
			vf.FieldRef.APIVersion = "v1"
		}
	}
}

func defaultProbe(p *corev1.Probe) {
	if p == nil {
		return
	}
	if p.TimeoutSeconds == 0 {
		p.TimeoutSeconds = 1
	}
	if p.PeriodSeconds == 0 {
		p.PeriodSeconds = 10
	}
	if p.SuccessThreshold == 0 {
		p.SuccessThreshold = 1
	}
	if p.FailureThreshold == 0 {
		p.FailureThreshold = 3
	}
	defaultHTTPGet(p.HTTPGet)
	if p.GRPC != nil && p.GRPC.Service == nil {
		p.GRPC.Service = new(string)
	}
}

func defaultLifecycle(l *corev1.Lifecycle) {
	if l == nil {
		return
	}
	for _, h := range []*corev1.LifecycleHandler{l.PostStart, l.PreStop} {
		if h != nil {
			defaultHTTPGet(h.HTTPGet)
		}
	}
}

func defaultHTTPGet(h *corev1.HTTPGetAction) {
	if h == nil {
		return
	}
	if h.Path == "" {
		h.Path = "/"
	}
	if h.Scheme == "" {
		h.Scheme = corev1.URISchemeHTTP
	}
}

func defaultVolume(v *corev1.Volume) {
	s := &v.VolumeSource
	if *s == (corev1.VolumeSource{}) {
		s.EmptyDir = &corev1.EmptyDirVolumeSource{}
	}
	switch {
	case s.Secret != nil && s.Secret.DefaultMode == nil:
		s.Secret.DefaultMode = int32Ptr(defaultMode)
	case s.ConfigMap != nil && s.ConfigMap.DefaultMode == nil:
		s.ConfigMap.DefaultMode = int32Ptr(defaultMode)
	case s.DownwardAPI != nil:
		if s.DownwardAPI.DefaultMode == nil {
			s.DownwardAPI.DefaultMode = int32Ptr(defaultMode)
		}
		defaultDownwardAPIItems(s.DownwardAPI.Items)
	case s.Projected != nil:
		if s.Projected.DefaultMode == nil {
			s.Projected.DefaultMode = int32Ptr(defaultMode)
		}
		for _, p := range s.Projected.Sources {
			if p.ServiceAccountToken != nil && p.ServiceAccountToken.ExpirationSeconds == nil {
				p.ServiceAccountToken.ExpirationSeconds = int64Ptr(3600)
			}
			if p.DownwardAPI != nil {
				defaultDownwardAPIItems(p.DownwardAPI.Items)
			}
		}
	case s.HostPath != nil && s.HostPath.Type == nil:
		t := corev1.HostPathUnset
		s.HostPath.Type = &t
	case s.ISCSI != nil && s.ISCSI.ISCSIInterface == "":
		s.ISCSI.ISCSIInterface = "default"
	case s.RBD != nil:
		defaultRBD(&s.RBD.RBDPool, &s.RBD.RadosUser, &s.RBD.Keyring)
	case s.AzureDisk != nil:
		defaultAzureDisk(s.AzureDisk)
	case s.ScaleIO != nil:
		if s.ScaleIO.StorageMode == "" {
			s.ScaleIO.StorageMode = "ThinProvisioned"
		}
		if s.ScaleIO.FSType == "" {
			s.ScaleIO.FSType = "xfs"
		}
	case s.Ephemeral != nil && s.Ephemeral.VolumeClaimTemplate != nil:
		defaultClaimSpec(&s.Ephemeral.VolumeClaimTemplate.Spec)
	}
}

func defaultDownwardAPIItems(items []corev1.DownwardAPIVolumeFile) {
	for i := range items {
		if f := items[i].FieldRef; f != nil && f.APIVersion == "" {
			f.APIVersion = "v1"
		}
	}
}

func defaultRBD(pool, user, keyring *string) {
	if *pool == "" {
		*pool = "rbd"
	}
	if *user == "" {
		*user = "admin"
	}
	if *keyring == "" {
		*keyring = "/etc/ceph/keyring"
	}
}

func defaultAzureDisk(d *corev1.AzureDiskVolumeSource) {
	if d.CachingMode == nil {
		m := corev1.AzureDataDiskCachingReadWrite
		d.CachingMode = &m
	}
	if d.Kind == nil {
		k := corev1.AzureSharedBlobDisk
		d.Kind = &k
	}
	if d.FSType == nil {
		d.FSType = new(string)
		*d.FSType = "ext4"
	}
	if d.ReadOnly == nil {
		d.ReadOnly = boolPtr(false)
	}
}

// defaultClaimSpec is the PersistentVolumeClaimSpec default, shared by
// claims and ephemeral volume templates.
func defaultClaimSpec(s *corev1.PersistentVolumeClaimSpec) {
	if s.VolumeMode == nil {
		m := corev1.PersistentVolumeFilesystem
		s.VolumeMode = &m
	}
}

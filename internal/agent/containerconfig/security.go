package containerconfig

import (
	v1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// namespaceOptions shares the node's namespaces for hostNetwork/hostPID/
// hostIPC, and one pid namespace across the pod for shareProcessNamespace.
func namespaceOptions(pod *v1.Pod) *runtimeapi.NamespaceOption {
	ns := &runtimeapi.NamespaceOption{
		Network: runtimeapi.NamespaceMode_POD,
		Pid:     runtimeapi.NamespaceMode_CONTAINER,
		Ipc:     runtimeapi.NamespaceMode_POD,
	}
	if pod.Spec.HostNetwork {
		ns.Network = runtimeapi.NamespaceMode_NODE
	}
	if pod.Spec.HostIPC {
		ns.Ipc = runtimeapi.NamespaceMode_NODE
	}
	switch {
	case pod.Spec.HostPID:
		ns.Pid = runtimeapi.NamespaceMode_NODE
	case pod.Spec.ShareProcessNamespace != nil && *pod.Spec.ShareProcessNamespace:
		ns.Pid = runtimeapi.NamespaceMode_POD
	}
	return ns
}

// sandboxSecurityContext is the pod-level context; the sandbox is
// privileged when any container is, since a privileged container needs a
// privileged sandbox.
func sandboxSecurityContext(pod *v1.Pod) *runtimeapi.LinuxSandboxSecurityContext {
	sc := &runtimeapi.LinuxSandboxSecurityContext{
		NamespaceOptions: namespaceOptions(pod),
		Privileged:       anyPrivileged(pod),
	}
	psc := pod.Spec.SecurityContext
	if psc == nil {
		return sc
	}
	if psc.RunAsUser != nil {
		sc.RunAsUser = &runtimeapi.Int64Value{Value: *psc.RunAsUser}
	}
	if psc.RunAsGroup != nil {
		sc.RunAsGroup = &runtimeapi.Int64Value{Value: *psc.RunAsGroup}
	}
	sc.SupplementalGroups = supplementalGroups(psc)
	sc.SelinuxOptions = selinux(psc.SELinuxOptions)
	sc.Seccomp = seccomp(psc.SeccompProfile)
	return sc
}

func anyPrivileged(pod *v1.Pod) bool {
	check := func(cs []v1.Container) bool {
		for _, c := range cs {
			if c.SecurityContext != nil && c.SecurityContext.Privileged != nil && *c.SecurityContext.Privileged {
				return true
			}
		}
		return false
	}
	return check(pod.Spec.InitContainers) || check(pod.Spec.Containers)
}

// supplementalGroups includes fsGroup, so processes can use volumes chowned
// to it.
func supplementalGroups(psc *v1.PodSecurityContext) []int64 {
	var g []int64
	if psc.FSGroup != nil {
		g = append(g, *psc.FSGroup)
	}
	return append(g, psc.SupplementalGroups...)
}

// containerSecurityContext merges the pod's context under the container's.
func containerSecurityContext(pod *v1.Pod, c *v1.Container) *runtimeapi.LinuxContainerSecurityContext {
	out := &runtimeapi.LinuxContainerSecurityContext{NamespaceOptions: namespaceOptions(pod)}
	var seccompProfile *v1.SeccompProfile
	var seLinux *v1.SELinuxOptions
	if psc := pod.Spec.SecurityContext; psc != nil {
		if psc.RunAsUser != nil {
			out.RunAsUser = &runtimeapi.Int64Value{Value: *psc.RunAsUser}
		}
		if psc.RunAsGroup != nil {
			out.RunAsGroup = &runtimeapi.Int64Value{Value: *psc.RunAsGroup}
		}
		out.SupplementalGroups = supplementalGroups(psc)
		seccompProfile = psc.SeccompProfile
		seLinux = psc.SELinuxOptions
	}
	if sc := c.SecurityContext; sc != nil {
		if sc.RunAsUser != nil {
			out.RunAsUser = &runtimeapi.Int64Value{Value: *sc.RunAsUser}
		}
		if sc.RunAsGroup != nil {
			out.RunAsGroup = &runtimeapi.Int64Value{Value: *sc.RunAsGroup}
		}
		if sc.SeccompProfile != nil {
			seccompProfile = sc.SeccompProfile
		}
		if sc.SELinuxOptions != nil {
			seLinux = sc.SELinuxOptions
		}
		out.Privileged = sc.Privileged != nil && *sc.Privileged
		out.ReadonlyRootfs = sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem
		// Only an explicit allowPrivilegeEscalation: false sets no_new_privs.
		out.NoNewPrivs = sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation
		if caps := sc.Capabilities; caps != nil {
			out.Capabilities = &runtimeapi.Capability{
				AddCapabilities:  capNames(caps.Add),
				DropCapabilities: capNames(caps.Drop),
			}
		}
		// An unmasked /proc is asked for with empty lists; nil keeps the
		// runtime's default masks.
		if sc.ProcMount != nil && *sc.ProcMount == v1.UnmaskedProcMount {
			out.MaskedPaths = []string{}
			out.ReadonlyPaths = []string{}
		}
	}
	out.Seccomp = seccomp(seccompProfile)
	out.SelinuxOptions = selinux(seLinux)
	return out
}

func capNames(cs []v1.Capability) []string {
	if len(cs) == 0 {
		return nil
	}
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = string(c)
	}
	return out
}

// seccomp maps the API profile; unset is Unconfined, kubelet's default
// while the SeccompDefault option is off.
func seccomp(p *v1.SeccompProfile) *runtimeapi.SecurityProfile {
	if p == nil {
		return &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_Unconfined}
	}
	switch p.Type {
	case v1.SeccompProfileTypeRuntimeDefault:
		return &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_RuntimeDefault}
	case v1.SeccompProfileTypeLocalhost:
		ref := ""
		if p.LocalhostProfile != nil {
			ref = *p.LocalhostProfile
		}
		return &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_Localhost, LocalhostRef: ref}
	}
	return &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_Unconfined}
}

func selinux(o *v1.SELinuxOptions) *runtimeapi.SELinuxOption {
	if o == nil {
		return nil
	}
	return &runtimeapi.SELinuxOption{User: o.User, Role: o.Role, Type: o.Type, Level: o.Level}
}

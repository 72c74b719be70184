//! The container a process runs in, as the kernel tells it: its cgroup's path
//! (`/proc/PID/cgroup`, or the `cgroup:cgroup_attach_task` event that put its first process
//! there), which each runtime names after the container. Pure: the text is read elsewhere.
//!
//! The names, by runtime (cgroup v2, and v1's hierarchies alike):
//! - Docker: `/system.slice/docker-<id>.scope` (systemd's cgroup driver), `/docker/<id>`
//!   (cgroupfs);
//! - Podman: `/machine.slice/libpod-<id>.scope` (rootless: under `user@UID.service`), with a
//!   `container` child where it runs systemd, `/libpod_parent/libpod-<id>` (cgroupfs); its
//!   `libpod-conmon-<id>.scope` is the monitor's, on the host's side;
//! - Kubernetes: `/kubepods.slice/kubepods-<qos>.slice/kubepods-<qos>-pod<uid>.slice/<cri>-<id>.scope`
//!   (`cri-containerd-`, `crio-`, `docker-`), `/kubepods/<qos>/pod<uid>/<id>` (cgroupfs), the
//!   pod's UID with `_` for `-` in systemd's names;
//! - systemd-nspawn (and other machines registered with `systemd-machined`):
//!   `/machine.slice/machine-<name>.scope`, `-` escaped `\x2d` in the name;
//! - LXC: `/lxc.payload.<name>`, `/lxc/<name>`.
//!
//! A container's ID is shown as its first 12 hexadecimal digits, as `docker ps`, `podman ps`
//! and `crictl ps` show it.

/// The container a cgroup path names.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Container {
    /// The runtime that names it: `docker`, `podman`, `kubernetes`, `systemd-nspawn`, `lxc`.
    pub runtime: String,
    /// Its ID cut to 12 hexadecimal digits, or its name (a machine's, an LXC container's).
    pub id: String,
    /// The Kubernetes pod's UID, for a pod's container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod: Option<String>,
}

impl Container {
    /// How the admin finds it: "container 3f2a9c1e0b7d", "container 3f2a9c1e0b7d of pod
    /// 5f1e2d3c-...", "container web1".
    #[must_use]
    pub fn label(&self) -> String {
        match &self.pod {
            Some(pod) => format!("container {} of pod {pod}", self.id),
            None => format!("container {}", self.id),
        }
    }
}

/// The container the text of a `/proc/PID/cgroup` names: its cgroup v2 line (`0::PATH`)
/// first, else the first v1 hierarchy's line that names one. `None` for a process of the
/// host (`0::/system.slice/cron.service`, `0::/user.slice/...`).
#[must_use]
pub fn from_proc_cgroup(text: &str) -> Option<Container> {
    let paths = || {
        text.lines()
            .filter_map(|line| line.splitn(3, ':').nth(2).map(|p| (line, p)))
    };
    paths()
        .filter(|(line, _)| line.starts_with("0::"))
        .chain(paths().filter(|(line, _)| !line.starts_with("0::")))
        .find_map(|(_, path)| from_cgroup_path(path))
}

/// The container a cgroup path names (see the [module](self) documentation); `None` for
/// another cgroup.
#[must_use]
pub fn from_cgroup_path(path: &str) -> Option<Container> {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let container = |runtime: &str, id: &str, pod: Option<String>| Container {
        runtime: runtime.to_owned(),
        id: id.to_owned(),
        pod,
    };
    // Kubernetes first: its containers' scopes carry the runtime's prefix (`docker-`) too.
    if parts.first().is_some_and(|p| p.starts_with("kubepods")) {
        let pod = parts.iter().find_map(|p| pod_uid(p));
        let id = parts
            .iter()
            .rev()
            .filter(|p| pod_uid(p).is_none())
            .find_map(|p| {
                let p = p.strip_suffix(".scope").unwrap_or(p);
                let id = p.rsplit('-').next().unwrap_or(p);
                hex_id(id)
            })?;
        return Some(container("kubernetes", id, pod));
    }
    // The innermost part that names one: a container's own child cgroups (Podman's
    // `container`, nspawn's `payload`) are below it.
    parts.iter().enumerate().rev().find_map(|(i, part)| {
        let parent = i.checked_sub(1).map(|j| parts[j]);
        if let Some(scope) = part.strip_suffix(".scope") {
            if let Some(id) = scope.strip_prefix("docker-").and_then(hex_id) {
                return Some(container("docker", id, None));
            }
            if let Some(id) = scope.strip_prefix("libpod-").and_then(hex_id) {
                return Some(container("podman", id, None));
            }
            if let Some(name) = scope.strip_prefix("machine-").filter(|n| !n.is_empty()) {
                return Some(container("systemd-nspawn", &unescape(name), None));
            }
            return None;
        }
        if let Some(name) = part.strip_prefix("lxc.payload.").filter(|n| !n.is_empty()) {
            return Some(container("lxc", name, None));
        }
        match parent {
            Some("docker") => hex_id(part).map(|id| container("docker", id, None)),
            Some("libpod_parent") => part
                .strip_prefix("libpod-")
                .and_then(hex_id)
                .map(|id| container("podman", id, None)),
            Some("lxc") if i == 1 => Some(container("lxc", part, None)),
            _ => None,
        }
    })
}

/// A container ID: 12 to 64 hexadecimal digits, cut to 12.
fn hex_id(s: &str) -> Option<&str> {
    (s.len() >= 12 && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_hexdigit())).then(|| &s[..12])
}

/// The pod UID of a Kubernetes pod's cgroup (`kubepods-burstable-pod<uid>.slice`,
/// `pod<uid>`), with its dashes (systemd's names have `_` for them).
fn pod_uid(part: &str) -> Option<String> {
    let part = part.strip_suffix(".slice").unwrap_or(part);
    let uid = match part.strip_prefix("pod") {
        Some(uid) => uid,
        None => part.rsplit_once("-pod")?.1,
    };
    (uid.len() >= 32
        && uid
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b'_' || b == b'-'))
    .then(|| uid.replace('_', "-"))
}

/// A systemd unit name's escapes undone (`\x2d` is `-`).
fn unescape(name: &str) -> String {
    let mut out = Vec::with_capacity(name.len());
    let bytes = name.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && bytes.get(i + 1) == Some(&b'x')
            && let Some(b) = name
                .get(i + 2..i + 4)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 4;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "3f2a9c1e0b7d41c6a8e5f0d2b9c7a6e4f1d3b5a7c9e2f4a6b8d0c2e4f6a8b0c2";

    fn named(runtime: &str, id: &str, pod: Option<&str>) -> Option<Container> {
        Some(Container {
            runtime: runtime.to_owned(),
            id: id.to_owned(),
            pod: pod.map(str::to_owned),
        })
    }

    #[test]
    fn docker_and_podman_containers_are_named_by_their_short_id() {
        let docker = named("docker", "3f2a9c1e0b7d", None);
        assert_eq!(
            from_cgroup_path(&format!("/system.slice/docker-{ID}.scope")),
            docker
        );
        assert_eq!(from_cgroup_path(&format!("/docker/{ID}")), docker);
        let podman = named("podman", "3f2a9c1e0b7d", None);
        assert_eq!(
            from_cgroup_path(&format!("/machine.slice/libpod-{ID}.scope")),
            podman
        );
        // Running systemd inside: Podman's `container` child.
        assert_eq!(
            from_cgroup_path(&format!("/machine.slice/libpod-{ID}.scope/container")),
            podman
        );
        // Rootless.
        assert_eq!(
            from_cgroup_path(&format!(
                "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-{ID}.scope"
            )),
            podman
        );
        assert_eq!(
            from_cgroup_path(&format!("/libpod_parent/libpod-{ID}")),
            podman
        );
        // Its monitor runs on the host's side.
        assert_eq!(
            from_cgroup_path(&format!("/machine.slice/libpod-conmon-{ID}.scope")),
            None
        );
    }

    #[test]
    fn a_kubernetes_pods_container_is_named_with_its_pod() {
        let pod = "5f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b";
        let k8s = named("kubernetes", "3f2a9c1e0b7d", Some(pod));
        let systemd_pod = pod.replace('-', "_");
        for runtime in ["cri-containerd", "crio", "docker"] {
            assert_eq!(
                from_cgroup_path(&format!(
                    "/kubepods.slice/kubepods-burstable.slice/\
                     kubepods-burstable-pod{systemd_pod}.slice/{runtime}-{ID}.scope"
                )),
                k8s,
                "{runtime}"
            );
        }
        assert_eq!(
            from_cgroup_path(&format!("/kubepods/besteffort/pod{pod}/{ID}")),
            k8s
        );
        // Guaranteed QoS: no class between.
        assert_eq!(from_cgroup_path(&format!("/kubepods/pod{pod}/{ID}")), k8s);
        // The pod's own cgroup (its sandbox's processes are in a container of their own).
        assert_eq!(
            from_cgroup_path(&format!("/kubepods/pod{pod}")),
            None,
            "no container ID"
        );
    }

    #[test]
    fn machines_and_lxc_containers_are_named_by_name() {
        assert_eq!(
            from_cgroup_path("/machine.slice/machine-web\\x2d1.scope/payload"),
            named("systemd-nspawn", "web-1", None)
        );
        assert_eq!(
            from_cgroup_path("/lxc.payload.db1/init.scope"),
            named("lxc", "db1", None)
        );
        assert_eq!(from_cgroup_path("/lxc/db1"), named("lxc", "db1", None));
    }

    #[test]
    fn the_hosts_own_cgroups_name_no_container() {
        for path in [
            "/",
            "/init.scope",
            "/system.slice/cron.service",
            "/system.slice/docker.service",
            "/user.slice/user-1000.slice/session-4.scope",
            "/machine.slice",
            "/process_api/4378a9c92c89436e6f38f54681bcd2bb",
            "/docker",
        ] {
            assert_eq!(from_cgroup_path(path), None, "{path}");
        }
    }

    #[test]
    fn a_proc_cgroup_text_is_read_v2_first_then_v1() {
        // Hybrid: v1 hierarchies and the unified one.
        let text = format!(
            "12:pids:/docker/{ID}\n4:memory:/docker/{ID}\n1:name=systemd:/docker/{ID}\n0::/\n"
        );
        assert_eq!(
            from_proc_cgroup(&text),
            named("docker", "3f2a9c1e0b7d", None)
        );
        let text = format!("0::/system.slice/docker-{ID}.scope\n");
        assert_eq!(
            from_proc_cgroup(&text),
            named("docker", "3f2a9c1e0b7d", None)
        );
        assert_eq!(from_proc_cgroup("0::/user.slice\n"), None);
        assert_eq!(from_proc_cgroup(""), None);
        assert_eq!(
            named("kubernetes", "3f2a9c1e0b7d", Some("5f1e"))
                .expect("named")
                .label(),
            "container 3f2a9c1e0b7d of pod 5f1e"
        );
    }
}

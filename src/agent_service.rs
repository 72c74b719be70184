//! Windows: `rstscope agent` as a Windows service, through the service control manager
//! (the `windows-service` crate).
//!
//! - `rstscope agent --install-service [options]` (as an administrator) creates the service
//!   `rstscope-agent` (automatic start, LocalSystem, which capture with Npcap needs; restarted
//!   5 s after a failure, again after 60 s) whose command line is `rstscope.exe agent --service`
//!   with the options given (paths made absolute), and starts it.
//! - `rstscope agent --uninstall-service` stops and removes it.
//! - `--service` is what the manager runs: the agent until the manager says stop. A service
//!   has no console, so its log goes to `%ProgramData%\rstscope\agent.log`: its start, the
//!   capture's warnings as they appear and failures to keep evidence (what the terminal's
//!   agent says on stderr), errors, and at the stop its totals and the warnings then in force.

use std::ffi::OsString;

use rstscope::report::with_causes;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use windows_service::service::{
    ServiceAccess, ServiceAction, ServiceActionType, ServiceControl, ServiceControlAccept,
    ServiceErrorControl, ServiceExitCode, ServiceFailureActions, ServiceFailureResetPeriod,
    ServiceInfo, ServiceStartType, ServiceState, ServiceStatus, ServiceType,
};
use windows_service::service_control_handler::{self, ServiceControlHandlerResult};
use windows_service::service_manager::{ServiceManager, ServiceManagerAccess};
use windows_service::{define_windows_service, service_dispatcher};

use rstscope::agent::{self, Agent, AgentLog};

use crate::Failure;
use crate::agent_cli::{AgentArgs, start_failure, stopped};

/// The service's name.
const NAME: &str = "rstscope-agent";
/// What the Services console shows.
const DISPLAY: &str = "rstscope agent";
const DESCRIPTION: &str = "Finds failed TCP connections and resets on this host, says why and which program; \
    serves Prometheus metrics, JSON reports and pcapng evidence (rstscope agent).";

/// The options the service was started with, for its main function.
static ARGS: OnceLock<AgentArgs> = OnceLock::new();

/// `--install-service`, `--uninstall-service` or `--service`.
pub fn dispatch(args: &AgentArgs) -> Result<(), Failure> {
    if args.install_service {
        install(args)
    } else if args.uninstall_service {
        uninstall()
    } else {
        let _ = ARGS.set(args.clone());
        service_dispatcher::start(NAME, ffi_service_main).map_err(|e| {
            Failure::Input(format!(
                "--service is for the Windows service manager (install with --install-service): {}",
                with_causes(&e)
            ))
        })
    }
}

fn manager(access: ServiceManagerAccess) -> Result<ServiceManager, Failure> {
    ServiceManager::local_computer(None::<&str>, access).map_err(|e| {
        Failure::Input(format!(
            "cannot open the service manager ({}); run this from an administrator's command prompt",
            with_causes(&e)
        ))
    })
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// The service's command line: `agent --service` and the options given.
fn launch_arguments(args: &AgentArgs) -> Vec<OsString> {
    let mut out: Vec<OsString> = vec!["agent".into(), "--service".into()];
    let mut opt = |name: &str, value: OsString| {
        out.push(name.into());
        out.push(value);
    };
    for i in &args.interfaces {
        opt("--interface", i.into());
    }
    if let Some(f) = &args.filter {
        opt("--filter", f.into());
    }
    opt("--listen", args.listen.to_string().into());
    if let Some(t) = &args.token_file {
        opt("--token-file", absolute(t).into());
    }
    opt("--top", args.top.to_string().into());
    if let Some(d) = &args.evidence_dir {
        opt("--evidence-dir", absolute(d).into());
    }
    opt("--evidence-max", args.evidence_max.to_string().into());
    opt("--snaplen", args.snaplen.to_string().into());
    opt("--max-flows", args.max_flows.to_string().into());
    opt("--user", args.user.clone().into());
    if args.syn_fin_rst {
        out.push("--syn-fin-rst".into());
    }
    if args.no_host {
        out.push("--no-host".into());
    }
    out
}

fn install(args: &AgentArgs) -> Result<(), Failure> {
    // What would stop the service from starting is said now, not in a log later: a service
    // installed without a usable Npcap would only fail to start (and be restarted in vain).
    args.config()?;
    rstscope::source::npcap::ensure_capture()
        .map_err(|e| Failure::Input(format!("the service {NAME} was not installed: {e}")))?;
    let exe = std::env::current_exe().map_err(Failure::Output)?;
    let manager = manager(ServiceManagerAccess::CONNECT | ServiceManagerAccess::CREATE_SERVICE)?;
    let info = ServiceInfo {
        name: NAME.into(),
        display_name: DISPLAY.into(),
        service_type: ServiceType::OWN_PROCESS,
        start_type: ServiceStartType::AutoStart,
        error_control: ServiceErrorControl::Normal,
        executable_path: exe,
        launch_arguments: launch_arguments(args),
        dependencies: vec![],
        account_name: None,
        account_password: None,
    };
    let service = manager
        .create_service(
            &info,
            ServiceAccess::CHANGE_CONFIG | ServiceAccess::START | ServiceAccess::QUERY_STATUS,
        )
        .map_err(|e| {
            Failure::Input(format!(
                "cannot create the service {NAME} ({}); is it installed already? \
                 (rstscope agent --uninstall-service removes it)",
                with_causes(&e)
            ))
        })?;
    let _ = service.set_description(DESCRIPTION);
    let _ = service.update_failure_actions(ServiceFailureActions {
        reset_period: ServiceFailureResetPeriod::After(Duration::from_secs(24 * 3600)),
        reboot_msg: None,
        command: None,
        actions: Some(vec![
            ServiceAction {
                action_type: ServiceActionType::Restart,
                delay: Duration::from_secs(5),
            },
            ServiceAction {
                action_type: ServiceActionType::Restart,
                delay: Duration::from_secs(60),
            },
        ]),
    });
    let _ = service.set_failure_actions_on_non_crash_failures(true);
    service.start::<&str>(&[]).map_err(|e| {
        Failure::Input(format!(
            "the service {NAME} was installed but did not start: {}; see {}",
            with_causes(&e),
            log_path().display()
        ))
    })?;
    stderr_line!(
        "rstscope: installed and started the Windows service {NAME}: {} {}",
        info.executable_path.display(),
        info.launch_arguments
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    );
    Ok(())
}

fn uninstall() -> Result<(), Failure> {
    let manager = manager(ServiceManagerAccess::CONNECT)?;
    let service = manager
        .open_service(
            NAME,
            ServiceAccess::QUERY_STATUS | ServiceAccess::STOP | ServiceAccess::DELETE,
        )
        .map_err(|e| Failure::Input(format!("no service {NAME} to remove: {}", with_causes(&e))))?;
    if let Ok(status) = service.query_status()
        && status.current_state != ServiceState::Stopped
    {
        let _ = service.stop();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            match service.query_status() {
                Ok(s) if s.current_state == ServiceState::Stopped => break,
                _ => std::thread::sleep(Duration::from_millis(250)),
            }
        }
    }
    service.delete().map_err(|e| {
        Failure::Input(format!(
            "cannot remove the service {NAME}: {}",
            with_causes(&e)
        ))
    })?;
    stderr_line!("rstscope: removed the Windows service {NAME}");
    Ok(())
}

/// `%ProgramData%\rstscope\agent.log`.
fn log_path() -> PathBuf {
    std::env::var_os("ProgramData")
        .map_or_else(|| PathBuf::from(r"C:\ProgramData"), PathBuf::from)
        .join("rstscope")
        .join("agent.log")
}

fn log(line: &str) {
    let path = log_path();
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
    {
        let now = chrono::Local::now().format("%Y-%m-%d %H:%M:%S %:z");
        // One write per line: the agent's thread and the service's logs do not interleave.
        // CRLF, as Windows text files end their lines (the Notepad of Windows Server 2016 and
        // older shows LF-only text as one line).
        let _ = f.write_all(format!("{now} {line}\r\n").as_bytes());
    }
}

define_windows_service!(ffi_service_main, service_main);

fn service_main(_arguments: Vec<OsString>) {
    // A panic's message goes to stderr, which a service does not have.
    std::panic::set_hook(Box::new(|info| {
        log(&format!(
            "rstscope agent: internal error, please report it: {info}"
        ))
    }));
    if let Err(e) = run_service() {
        log(&format!("rstscope agent: {e}"));
    }
}

fn status(state: ServiceState, exit: ServiceExitCode) -> ServiceStatus {
    ServiceStatus {
        service_type: ServiceType::OWN_PROCESS,
        current_state: state,
        controls_accepted: if state == ServiceState::Running {
            ServiceControlAccept::STOP | ServiceControlAccept::SHUTDOWN
        } else {
            ServiceControlAccept::empty()
        },
        exit_code: exit,
        checkpoint: 0,
        wait_hint: Duration::from_secs(10),
        process_id: None,
    }
}

fn run_service() -> Result<(), String> {
    let (tx, rx) = mpsc::channel();
    let handle = service_control_handler::register(NAME, move |control| match control {
        ServiceControl::Stop | ServiceControl::Shutdown => {
            let _ = tx.send(());
            ServiceControlHandlerResult::NoError
        }
        ServiceControl::Interrogate => ServiceControlHandlerResult::NoError,
        _ => ServiceControlHandlerResult::NotImplemented,
    })
    .map_err(|e| e.to_string())?;
    let started = ARGS
        .get()
        .ok_or_else(|| "no options".to_owned())
        .and_then(|args| args.config().map_err(describe))
        .and_then(|config| {
            Agent::start(agent::AgentConfig {
                log: AgentLog::to(log),
                ..config
            })
            .map_err(|e| describe(start_failure(e)))
        });
    let agent = match started {
        Ok(a) => a,
        Err(e) => {
            let _ = handle.set_service_status(status(
                ServiceState::Stopped,
                ServiceExitCode::ServiceSpecific(2),
            ));
            return Err(e);
        }
    };
    log(&format!(
        "rstscope agent {} started: capturing on {}; serving http://{}/metrics; evidence in {}",
        env!("CARGO_PKG_VERSION"),
        agent.interface_labels().join(", "),
        agent
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default(),
        agent.evidence_dir().display()
    ));
    handle
        .set_service_status(status(ServiceState::Running, ServiceExitCode::Win32(0)))
        .map_err(|e| e.to_string())?;
    let _ = rx.recv();
    let _ = handle.set_service_status(status(ServiceState::StopPending, ServiceExitCode::Win32(0)));
    agent.stop_handle().stop();
    for line in stopped(&agent.wait()) {
        log(&line);
    }
    handle
        .set_service_status(status(ServiceState::Stopped, ServiceExitCode::Win32(0)))
        .map_err(|e| e.to_string())
}

fn describe(f: Failure) -> String {
    match f {
        Failure::Input(s) | Failure::Save(s) | Failure::Told(s) | Failure::Window(s) => s,
        Failure::Output(e) => e.to_string(),
        // `analyze` only; a service is stopped by its manager.
        Failure::Interrupted => "stopped by Ctrl+C".to_owned(),
    }
}

//! The query parameters of `/report` and `/evidence`: each one the page takes, given once, with
//! a value it takes. A request that asks for something else gets `400` and one line saying
//! which parameter, what was given and what is taken: an answer that silently read a request
//! otherwise (`top=0` as every offender, `utc=2` as UTC, the first of `top=5&top=7`) is read
//! as the answer to what was asked.

use crate::report::Clock;

/// The parameters each page takes; `None`: any (a scraper's `params` for `/metrics` are its
/// own business).
pub fn known(path: &str) -> Option<&'static [&'static str]> {
    match path {
        "/report" => Some(&["since", "top", "utc", "endpoint"]),
        "/evidence" => Some(&["endpoint", "since", "max_packets", "earlier"]),
        _ => None,
    }
}

/// Refuses a parameter `path` does not take (`/report?sinc=10m` gave the whole report, read as
/// the window asked for) and one given twice (which of the two would be read?).
pub fn check(path: &str, query: &[(String, String)]) -> Result<(), String> {
    let Some(known) = known(path) else {
        return Ok(());
    };
    for (i, (name, value)) in query.iter().enumerate() {
        if !known.contains(&name.as_str()) {
            return Err(format!(
                "{path} takes no parameter {name:?}: it takes {}",
                known.join(", ")
            ));
        }
        if let Some((_, again)) = query[i + 1..].iter().find(|(n, _)| n == name) {
            return Err(format!(
                "{path} got {name} twice ({value:?} and {again:?}): give it once"
            ));
        }
    }
    Ok(())
}

/// `top`: the number of offenders the report keeps, 1 or more. `0` is refused rather than
/// read as "none" or "all": either reading surprises someone.
pub fn top(value: &str) -> Result<usize, String> {
    match value.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!(
            "top={value:?}: give the number of offenders to keep, a whole number of 1 or more \
             (without top, every offender)"
        )),
    }
}

/// `utc`: `1` or `true` (or `utc` alone) for times in UTC, `0` or `false` for the agent's
/// local time.
pub fn utc(value: &str) -> Result<Clock, String> {
    match value.trim() {
        "" | "1" | "true" => Ok(Clock::Utc),
        "0" | "false" => Ok(Clock::Local),
        _ => Err(format!(
            "utc={value:?}: give utc=1 for times in UTC, or utc=0 for the agent's local time"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    /// Regression (a trial as a Prometheus user): `top=5&top=7` was read as `top=5`.
    #[test]
    fn a_parameter_given_twice_is_refused_naming_both_values() {
        assert_eq!(
            check(
                "/report",
                &q(&[("top", "5"), ("since", "1h"), ("top", "7")])
            ),
            Err("/report got top twice (\"5\" and \"7\"): give it once".into())
        );
        assert_eq!(
            check(
                "/evidence",
                &q(&[("endpoint", "127.0.0.1:1"), ("endpoint", "[::1]:1")])
            )
            .map_err(|e| e.starts_with("/evidence got endpoint twice")),
            Err(true)
        );
        assert_eq!(
            check("/report", &q(&[("top", "5"), ("since", "1h")])),
            Ok(())
        );
        // A scraper's own parameters are not the agent's to judge.
        assert_eq!(check("/metrics", &q(&[("a", "1"), ("a", "2")])), Ok(()));
    }

    #[test]
    fn a_parameter_the_page_does_not_take_is_refused_naming_those_it_takes() {
        assert_eq!(
            check("/report", &q(&[("sinc", "10m")])),
            Err("/report takes no parameter \"sinc\": it takes since, top, utc, endpoint".into())
        );
    }

    /// Regression: `top=0` gave every offender.
    #[test]
    fn top_is_1_or_more() {
        assert_eq!(top("20"), Ok(20));
        for bad in ["0", "-1", "x", "", "1.5"] {
            let e = top(bad).expect_err(bad);
            assert!(e.starts_with(&format!("top={bad:?}: ")), "{e}");
            assert!(e.contains("1 or more"), "{e}");
        }
    }

    /// Regression: `utc=2` gave UTC without a word.
    #[test]
    fn utc_is_1_or_0() {
        for (v, clock) in [("1", Clock::Utc), ("true", Clock::Utc), ("", Clock::Utc)] {
            assert_eq!(utc(v), Ok(clock), "{v}");
        }
        for v in ["0", "false"] {
            assert_eq!(utc(v), Ok(Clock::Local), "{v}");
        }
        assert_eq!(
            utc("2"),
            Err(
                "utc=\"2\": give utc=1 for times in UTC, or utc=0 for the agent's local time"
                    .into()
            )
        );
    }
}

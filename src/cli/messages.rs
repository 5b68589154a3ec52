//! The command line's own messages, in English and Japanese: one
//! catalogue.
//!
//! The language is `--lang en|ja`, else the locale (`LC_ALL`,
//! `LC_MESSAGES`, `LANG` starting with `ja`), else English. What speaks it:
//! the messages on stderr, the closing summary and the `--help` summaries
//! of the commands. Records (stdout, `--output-dir`) stay the same in every
//! language: they are data, compared byte for byte across runs.
//!
//! Why not an i18n crate: every message is one [`Msg`] variant and
//! [`Msg::text`] is one `match` giving both languages, so a message without
//! its translation does not compile, a stronger check than a runtime lookup
//! of string keys; a test also checks both texts use the same `{name}`
//! placeholders.

use std::ffi::OsString;

/// The language of messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Lang {
    /// English.
    En,
    /// 日本語.
    Ja,
}

impl Lang {
    /// `--lang` from the arguments (read before clap, so `--help` speaks
    /// it too), else the locale.
    pub(crate) fn detect(args: &[OsString]) -> Lang {
        let mut it = args.iter().map(|a| a.to_string_lossy());
        while let Some(a) = it.next() {
            let value = match a.strip_prefix("--lang=") {
                Some(v) => Some(v.to_string()),
                None if a == "--lang" => it.next().map(|v| v.to_string()),
                None => None,
            };
            match value.as_deref() {
                Some("ja") => return Lang::Ja,
                Some("en") => return Lang::En,
                _ => {}
            }
        }
        for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let Ok(v) = std::env::var(var)
                && !v.is_empty()
            {
                return if v.starts_with("ja") {
                    Lang::Ja
                } else {
                    Lang::En
                };
            }
        }
        Lang::En
    }
}

/// Every message. Placeholders are `{name}`, filled by [`Msg::format`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Msg {
    NoInput,
    OtherFilesSkipped,
    TooManyJobs,
    ResumingUnfinished,
    StoreFailures,
    SummaryNotWritten,
    Summary,
    SummaryErrorsByKind,
    NotProcessed,
    FindingsByCode,
    FailedInput,
    MoreFailed,
    AboutParse,
    AboutText,
    AboutCheck,
    AboutPasswordCheck,
    AboutPolicy,
    AboutSchema,
    AboutCompletions,
    AboutMan,
    PasswordPrompt,
    NoWorker,
}

/// Every variant, for the completeness test.
#[cfg(test)]
const ALL: [Msg; 22] = [
    Msg::NoInput,
    Msg::OtherFilesSkipped,
    Msg::TooManyJobs,
    Msg::ResumingUnfinished,
    Msg::StoreFailures,
    Msg::SummaryNotWritten,
    Msg::Summary,
    Msg::SummaryErrorsByKind,
    Msg::NotProcessed,
    Msg::FindingsByCode,
    Msg::FailedInput,
    Msg::MoreFailed,
    Msg::AboutParse,
    Msg::AboutText,
    Msg::AboutCheck,
    Msg::AboutPasswordCheck,
    Msg::AboutPolicy,
    Msg::AboutSchema,
    Msg::AboutCompletions,
    Msg::AboutMan,
    Msg::PasswordPrompt,
    Msg::NoWorker,
];

impl Msg {
    /// The text in both languages: (English, Japanese).
    fn texts(self) -> (&'static str, &'static str) {
        match self {
            Msg::NoInput => (
                "no input: no PDF or ZIP was found in what was given{skipped}",
                "入力がありません: 指定されたところに PDF も ZIP も見つかりませんでした{skipped}",
            ),
            Msg::OtherFilesSkipped => (
                " ({n} other file(s) skipped: only *.pdf and *.zip are read)",
                "（ほかのファイル {n} 件は対象外: 読むのは *.pdf と *.zip だけです）",
            ),
            Msg::TooManyJobs => (
                "-j {jobs} is more than useful here; using {workers} workers",
                "-j {jobs} は多すぎるため、{workers} 並列で処理します",
            ),
            Msg::ResumingUnfinished => (
                "{dir} has no summary.json: the last run did not finish; resuming it",
                "{dir} に summary.json がありません: 前回の実行は途中で終わっています。続きから再開します",
            ),
            Msg::StoreFailures => (
                "{n} record(s) could not be stored in the output directory (they were printed); first: {first}",
                "{n} 件の結果を出力ディレクトリに保存できませんでした（標準出力には出力済み）。最初のエラー: {first}",
            ),
            Msg::SummaryNotWritten => (
                "cannot write summary.json: {error}",
                "summary.json を書き込めません: {error}",
            ),
            Msg::Summary => (
                "{inputs} inputs: {parsed} parsed, {errors} errors{by_kind}; findings: {findings}; {seconds} s",
                "入力 {inputs} 件: 読み取り成功 {parsed} 件、エラー {errors} 件{by_kind}。指摘: {findings}。{seconds} 秒",
            ),
            Msg::SummaryErrorsByKind => (" ({list})", "（{list}）"),
            Msg::NotProcessed => (
                "; {n} input(s) not processed (the output failed)",
                "。出力に失敗したため {n} 件は未処理です",
            ),
            Msg::FindingsByCode => ("  findings by code: {list}", "  指摘の内訳: {list}"),
            Msg::FailedInput => ("  failed: {source} ({kind})", "  失敗: {source}（{kind}）"),
            Msg::MoreFailed => (
                "  … and {n} more (all are in summary.json with --output-dir)",
                "  …ほか {n} 件（--output-dir の summary.json に全件あります）",
            ),
            Msg::AboutParse => (
                "Parse notices and print one record per input",
                "開通のご案内を読み取り、入力ごとに1件の結果を出力します",
            ),
            Msg::AboutText => (
                "Print each page's layout as text (for debugging and snapshots)",
                "各ページのレイアウトをテキストで出力します（調査・スナップショット用）",
            ),
            Msg::AboutCheck => (
                "Parse and validate notices; print each one's findings",
                "開通のご案内を読み取って検証し、指摘を出力します",
            ),
            Msg::AboutPasswordCheck => (
                "Check a new password against the password rules",
                "新しいパスワードがパスワード規則を満たすか確認します",
            ),
            Msg::AboutPolicy => (
                "Print the default validation policy, or check a policy file",
                "既定の検証ポリシーを出力するか、ポリシーファイルを確認します",
            ),
            Msg::AboutSchema => (
                "Print the JSON Schema of the parse record",
                "読み取り結果の JSON Schema を出力します",
            ),
            Msg::AboutCompletions => (
                "Print a shell completion script",
                "シェル補完スクリプトを出力します",
            ),
            Msg::AboutMan => (
                "Print the man page (roff)",
                "man ページ（roff）を出力します",
            ),
            Msg::PasswordPrompt => (
                "New password (not shown): ",
                "新しいパスワード（表示されません）: ",
            ),
            Msg::NoWorker => (
                "cannot start a worker process; parsing in this process (a file that exhausts memory stops the batch)",
                "ワーカープロセスを起動できないため、このプロセスで読み取ります（メモリを使い尽くすファイルがあると処理全体が止まります）",
            ),
        }
    }

    /// The text in `lang`.
    pub(crate) fn text(self, lang: Lang) -> &'static str {
        let (en, ja) = self.texts();
        match lang {
            Lang::En => en,
            Lang::Ja => ja,
        }
    }

    /// The text in `lang` with its placeholders filled.
    pub(crate) fn format(self, lang: Lang, args: &[(&str, &dyn std::fmt::Display)]) -> String {
        let mut text = self.text(lang).to_string();
        for (name, value) in args {
            text = text.replace(&format!("{{{name}}}"), &value.to_string());
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placeholders(text: &str) -> Vec<String> {
        let mut out: Vec<String> = text
            .split('{')
            .skip(1)
            .filter_map(|t| t.split_once('}').map(|(name, _)| name.to_string()))
            .collect();
        out.sort();
        out
    }

    #[test]
    fn every_message_exists_in_both_languages_with_the_same_placeholders() {
        for msg in ALL {
            let (en, ja) = msg.texts();
            assert!(!en.trim().is_empty() && !ja.trim().is_empty(), "{msg:?}");
            assert_ne!(en, ja, "{msg:?} is not translated");
            assert_eq!(placeholders(en), placeholders(ja), "{msg:?}");
        }
    }

    #[test]
    fn lang_flag_wins_over_the_locale() {
        let args: Vec<OsString> = ["kaitsu", "parse", "--lang", "ja"]
            .iter()
            .map(OsString::from)
            .collect();
        assert_eq!(Lang::detect(&args), Lang::Ja);
        let args: Vec<OsString> = ["kaitsu", "--lang=en"].iter().map(OsString::from).collect();
        assert_eq!(Lang::detect(&args), Lang::En);
    }
}

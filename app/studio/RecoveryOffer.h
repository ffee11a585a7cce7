#pragma once

#include <QStringList>

namespace bilevel::studio {

class MainWindow;

// What to do at start with the sessions of studios that did not close normally.
enum class RecoveryPolicy {
  Ask,      // a dialog per session, newest first: Restore / Discard / Later (the default)
  Restore,  // restore the newest without asking (--recover)
  Ignore,   // do not look; they stay for a later start (--no-recover, scripted runs)
};

struct RecoveryOutcome {
  bool restoring = false;  // a restore has begun: the caller opens nothing else
  // What happened to each session found, one sentence each, naming its file.
  QStringList messages;
};

// Looks in the window's recovery folder for sessions whose studio died (OrphanedSession) and,
// by `policy`, restores one into `window` (which then continues autosaving into that file), keeps
// declined ones aside in kept/, or leaves them. An unreadable file is never deleted: it is kept
// aside and a message (a dialog when asking, stderr otherwise) names the problem and where it
// went; kept files are ordinary session files that File > Open Session opens.
RecoveryOutcome offerRecovery(MainWindow& window, RecoveryPolicy policy);

}  // namespace bilevel::studio

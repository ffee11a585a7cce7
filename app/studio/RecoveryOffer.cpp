#include "RecoveryOffer.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QLocale>
#include <QMessageBox>
#include <QPushButton>
#include <iostream>

#include "MainWindow.h"
#include "OrphanedSession.h"
#include "RecoveryStore.h"
#include "learning/SessionFile.h"

namespace bilevel::studio {

namespace {

// "Saturday, 28 November 2026 04:51:04" in the local time zone.
QString when(const OrphanedSession& orphan) {
  const QDateTime saved = orphan.savedAt().toLocalTime();
  return QLocale().toString(saved.date(), QLocale::LongFormat) + QLatin1Char(' ') +
         saved.time().toString(QStringLiteral("HH:mm:ss"));
}

// "shapes.png, huber-tv, 12 learning steps (PSNR 33.10 dB)"
QString summary(const SessionRecord& session) {
  const auto images = session.configuration.imageSpecifications();
  const QString image = images.empty()
                            ? QObject::tr("no image")
                            : QFileInfo(QString::fromStdString(images.front())).fileName();
  const QString model = QString::fromStdString(session.configuration.modelType());
  if (session.history.empty() || session.history.back().iteration == 0)
    return QObject::tr("%1, %2, not learned yet").arg(image, model);
  return QObject::tr("%1, %2, %3 learning steps (PSNR %4 dB)")
      .arg(image, model)
      .arg(session.history.back().iteration)
      .arg(session.history.back().psnr, 0, 'f', 2);
}

// "~/.local/share/…": the part a person needs to find it.
QString homeAbbreviated(const QString& path) {
  const QString home = QDir::homePath();
  return path.startsWith(home + QLatin1Char('/')) ? QLatin1Char('~') + path.mid(home.size()) : path;
}

enum class Choice { Restore, Discard, Later };

Choice ask(MainWindow& window, const OrphanedSession& orphan, const SessionRecord& session) {
  QMessageBox box(QMessageBox::Question, QObject::tr("Restore the last session?"),
                  QObject::tr("<b>Bilevel Studio did not close normally.</b><br>Its session was "
                              "autosaved on %1:<br>%2")
                      .arg(when(orphan), summary(session).toHtmlEscaped()),
                  QMessageBox::NoButton, &window);
  box.setObjectName(QStringLiteral("recoveryDialog"));
  box.setInformativeText(
      QObject::tr("<b>Restore</b> reopens it as it was, history and parameters included; Learn "
                  "continues from the last finished step.<br><b>Discard</b> moves the file "
                  "aside to %1 (File › Open Session still opens it).<br><b>Later</b> leaves "
                  "it and asks again at the next start.")
          .arg(homeAbbreviated(QFileInfo(orphan.path()).absolutePath() + QStringLiteral("/kept"))
                   .toHtmlEscaped()));
  QPushButton* restore = box.addButton(QObject::tr("&Restore"), QMessageBox::AcceptRole);
  QPushButton* discard = box.addButton(QObject::tr("&Discard"), QMessageBox::DestructiveRole);
  QPushButton* later = box.addButton(QObject::tr("&Later"), QMessageBox::RejectRole);
  restore->setObjectName(QStringLiteral("restoreButton"));
  discard->setObjectName(QStringLiteral("discardButton"));
  later->setObjectName(QStringLiteral("laterButton"));
  box.setDefaultButton(restore);
  box.setEscapeButton(later);
  box.exec();
  if (box.clickedButton() == restore) return Choice::Restore;
  if (box.clickedButton() == discard) return Choice::Discard;
  return Choice::Later;
}

}  // namespace

RecoveryOutcome offerRecovery(MainWindow& window, RecoveryPolicy policy) {
  RecoveryOutcome outcome;
  if (policy == RecoveryPolicy::Ignore) return outcome;
  const bool interactive = policy == RecoveryPolicy::Ask;
  auto report = [&](const QString& message, bool warning) {
    outcome.messages << message;
    if (!interactive) {
      std::cerr << "bilevel-studio: " << message.toStdString() << "\n";
    } else if (warning) {
      QMessageBox box(QMessageBox::Warning, QObject::tr("Cannot restore the last session"), message,
                      QMessageBox::Ok, &window);
      box.setObjectName(QStringLiteral("recoveryErrorDialog"));
      box.exec();
    }
  };
  // The others (after a restore or Later) release their claim as this vector goes: they are
  // offered again at the next start.
  auto orphans = OrphanedSession::claimAll(window.recovery()->directory());
  for (auto& orphan : orphans) {
    SessionRecord session;
    try {
      session = readSessionFile(orphan->path().toStdString());
    } catch (const std::exception& e) {
      QString message = QObject::tr("The session autosaved on %1 cannot be read: %2.")
                            .arg(when(*orphan), e.what());
      try {
        message +=
            QObject::tr(" It is kept as %1.").arg(orphan->keepAside(QStringLiteral("unreadable")));
      } catch (const std::exception& moveError) {
        message += QStringLiteral(" ") + QString::fromStdString(moveError.what()) +
                   QObject::tr("; it stays where it is.");
      }
      report(message, true);
      continue;
    }
    const Choice choice = interactive ? ask(window, *orphan, session) : Choice::Restore;
    if (choice == Choice::Later) break;
    if (choice == Choice::Discard) {
      try {
        report(QObject::tr("The session autosaved on %1 is kept as %2.")
                   .arg(when(*orphan), orphan->keepAside(QStringLiteral("declined"))),
               false);
      } catch (const std::exception& e) {
        report(QString::fromStdString(e.what()), true);
      }
      continue;
    }
    const QString description = summary(session);
    const QString path = orphan->path();
    const QString saved = when(*orphan);
    if (window.restoreRecovered(std::shared_ptr<OrphanedSession>(std::move(orphan)),
                                std::move(session))) {
      outcome.restoring = true;
      report(QObject::tr("restoring the session autosaved on %1 (%2): %3")
                 .arg(saved, path, description),
             false);
    }
    break;
  }
  return outcome;
}

}  // namespace bilevel::studio

#include "DocumentLoader.h"

#include <QFileInfo>

#include "CoreWorker.h"
#include "FileActions.h"
#include "MainWindow.h"
#include "OrphanedSession.h"
#include "QueuedCall.h"
#include "RecoveryStore.h"
#include "StudioDocument.h"
#include "learning/LearnedModel.h"
#include "learning/SessionFile.h"
#include "learning/TrainingPair.h"

namespace bilevel::studio {

namespace {

// What File > New starts from (the preset bilevel-studio opens without --preset).
constexpr const char* kDefaultPreset = "tv-denoise";

std::filesystem::path toPath(const QString& path) {
  return std::filesystem::path(path.toStdString());
}

}  // namespace

DocumentLoader::DocumentLoader(MainWindow* window, StudioDocument* document, CoreWorker* worker,
                               FileActions* files)
    : QObject(window), window_(window), document_(document), worker_(worker), files_(files) {
  connect(worker_, &CoreWorker::loaded, this, &DocumentLoader::onLoaded);
  connect(worker_, &CoreWorker::modelChanged, this,
          [this](const ParameterLayout& layout) { layout_ = layout; });
  connect(worker_, &CoreWorker::reconfigureFailed, this,
          [this](const Configuration& effective, const QString& message) {
            workerConfiguration_ = effective;
            document_->correctConfiguration(effective);
            window_->showError(tr("Invalid settings"), message);
          });
}

bool DocumentLoader::applyConfiguration(const Configuration& configuration) {
  PendingDocument document{configuration};
  document.sessionPath = files_->sessionPath();
  return beginLoading(std::move(document));
}

bool DocumentLoader::beginLoading(PendingDocument document) {
  if (!window_->ensureIdle(tr("opening other images"))) return false;
  // The panel keeps showing the document until the images are read and the open is committed.
  const Configuration configuration = document.configuration;
  pending_ = std::move(document);
  emit loadingStarted();
  queueCall(worker_, [w = worker_, configuration] { w->load(configuration); });
  return true;
}

bool DocumentLoader::loadPreset(const QString& name) {
  bool started = false;
  window_->attempt(tr("Cannot load the preset"), [&] {
    Configuration preset = Configuration::fromPreset(name.toStdString());
    if (!layout_ || !document_->hasImages()) {
      PendingDocument document{preset};
      document.presetName = name;
      started = beginLoading(std::move(document));
      return;
    }
    if (!window_->ensureIdle(tr("changing the preset"))) return;
    // A preset changes the task, not the picture: keep the images a person opened. It is an
    // edit (undoable, the history stays); the panel shows it from the document.
    const nlohmann::json& current = document_->configuration().json();
    preset.merge({{"image", current["image"]}, {"noisy", current["noisy"]}}, "the open images");
    StudioDocument::Settings next = document_->settings();
    next.configuration = preset;
    next.startParameters.resize(0);  // the preset's λ
    next.preset = name;
    reloadNext_ = true;
    document_->edit(tr("preset %1").arg(name), std::move(next));
    reloadNext_ = false;
    started = true;
  });
  return started;
}

bool DocumentLoader::newDocument() {
  if (!window_->ensureIdle(tr("starting a new session")) ||
      !files_->maybeSave(tr("starting a new session")))
    return false;
  bool started = false;
  window_->attempt(tr("Cannot start a new session"), [&] {
    PendingDocument document{Configuration::fromPreset(kDefaultPreset)};
    document.presetName = QString::fromLatin1(kDefaultPreset);
    started = beginLoading(std::move(document));
  });
  return started;
}

void DocumentLoader::setPresetName(const QString& name) {
  if (pending_) pending_->presetName = name;
  document_->setPresetName(name);
}

bool DocumentLoader::openImage(const QString& path) {
  return openImagePair(path, QString());
}

bool DocumentLoader::openImagePair(const QString& cleanPath, const QString& noisyPath) {
  bool started = false;
  window_->attempt(tr("Cannot open the image"), [&] {
    Configuration next = document_->configuration();
    nlohmann::json images = {{"image", QFileInfo(cleanPath).absoluteFilePath().toStdString()},
                             {"noisy", nullptr}};
    if (!noisyPath.isEmpty())
      images["noisy"] = QFileInfo(noisyPath).absoluteFilePath().toStdString();
    next.merge(images, "the opened image");
    PendingDocument document{next};
    document.recentFile = cleanPath;
    started = beginLoading(std::move(document));
  });
  return started;
}

bool DocumentLoader::openSession(const QString& path) {
  if (!window_->ensureIdle(tr("opening a session"))) return false;
  bool started = false;
  window_->attempt(tr("Cannot open the session"), [&] {
    SessionRecord record = readSessionFile(toPath(path));
    PendingDocument document{record.configuration};
    document.history = std::move(record.history);
    document.segmentStarts = std::move(record.segmentStarts);
    document.parameters = record.parameters;
    document.sessionPath = path;
    document.recentFile = path;
    document.presetName = QString();  // a session shows "custom"
    started = beginLoading(std::move(document));
  });
  return started;
}

bool DocumentLoader::applyLearnedModel(const QString& path) {
  if (!window_->ensureIdle(tr("applying a learned model"))) return false;
  return window_->attempt(tr("Cannot apply the learned model"), [&] {
    const LearnedModel learned = readLearnedModel(toPath(path));
    commitLearned(learned, QFileInfo(path).fileName(), path.toStdString());
  });
}

bool DocumentLoader::applyLearned(const LearnedModel& learned, const QString& name) {
  if (!window_->ensureIdle(tr("applying a learned model"))) return false;
  return window_->attempt(tr("Cannot apply the learned model"),
                          [&] { commitLearned(learned, name, name.toStdString()); });
}

void DocumentLoader::commitLearned(const LearnedModel& learned, const QString& name,
                                   const std::string& source) {
  StudioDocument::Settings next = document_->settings();
  learned.applyTo(next.configuration, source);
  next.startParameters = learned.theta;
  next.segmentPending = !document_->history().empty();
  next.preset = QString();
  document_->edit(tr("apply learned model %1").arg(name), std::move(next));
}

bool DocumentLoader::restoreRecovered(std::shared_ptr<OrphanedSession> orphan,
                                      SessionRecord session) {
  if (!window_->ensureIdle(tr("restoring a session"))) return false;
  PendingDocument document{std::move(session.configuration)};
  document.history = std::move(session.history);
  document.segmentStarts = std::move(session.segmentStarts);
  document.parameters = session.parameters;
  document.presetName = QString();  // like a session: "custom"
  document.recovered = std::move(orphan);
  return beginLoading(std::move(document));
}

void DocumentLoader::onLoaded(const Configuration& configuration, const TrainingPair& pair,
                              int pairCount) {
  workerConfiguration_ = configuration;
  document_->setPair(pair);
  emit imagesRead(pair);
  std::shared_ptr<OrphanedSession> recovered;
  if (pending_) {
    // Commit what was opened, now that its images could be read: one undoable step.
    PendingDocument document = std::move(*pending_);
    pending_.reset();
    StudioDocument::Content content;
    content.settings.configuration = configuration;
    content.settings.startParameters = document.parameters;
    content.settings.preset = document.presetName ? *document.presetName : document_->presetName();
    content.history = std::move(document.history);
    content.segmentStarts = std::move(document.segmentStarts);
    if (layout_ && content.settings.startParameters.size() > 0 &&
        content.settings.startParameters.size() != layout_->size()) {
      window_->showError(
          tr("Parameters do not fit the model"),
          tr("The saved parameters have %1 entries but the model has %2; starting from λ.")
              .arg(content.settings.startParameters.size())
              .arg(layout_->size()));
      content.settings.startParameters.resize(0);
    }
    files_->setSessionPath(document.sessionPath);
    recovered = document.recovered;
    if (recovered) {
      window_->recovery()->adopt(*recovered);
      files_->setRecoveredAt(recovered->savedAt());
    } else if (document.presetName || !document.recentFile.isEmpty()) {
      files_->setRecoveredAt(QDateTime());  // another document
    }
    if (!document.recentFile.isEmpty()) files_->addRecentFile(document.recentFile);
    const QString what = !document.recentFile.isEmpty()
                             ? tr("open %1").arg(QFileInfo(document.recentFile).fileName())
                             : tr("open %1").arg(QString::fromStdString(pair.name));
    document_->setResult(content.settings.startParameters, 0.0);
    document_->open(what, std::move(content), recovered != nullptr);
  }
  emit opened(pair, pairCount, recovered != nullptr);
}

QString DocumentLoader::loadFailed(const QString& message) {
  QString text = message;
  // The images, settings, history and session that were showing stay: nothing is lost by a
  // failed open, because none of it was replaced before the worker had read the new images.
  if (pending_ && pending_->recovered) {
    // Perhaps the images are on a drive not mounted now: the session is kept, as an ordinary
    // session file, for later.
    try {
      text += tr("\n\nThe recovered session is kept as %1; File › Open Session opens it.")
                  .arg(pending_->recovered->keepAside(QStringLiteral("unrestored")));
    } catch (const std::exception& e) {
      text += QStringLiteral("\n\n") + QString::fromStdString(e.what());
    }
  }
  pending_.reset();
  // The worker kept what it had; the document was not replaced.
  workerConfiguration_ = document_->configuration();
  emit loadAbandoned();
  return text;
}

DocumentLoader::WorkerUpdate DocumentLoader::updateWorker() {
  const Configuration& configuration = document_->configuration();
  nlohmann::json before = workerConfiguration_ ? workerConfiguration_->json() : nlohmann::json();
  nlohmann::json after = configuration.json();
  const auto problem = [](nlohmann::json json) {
    if (json.is_object()) {
      for (const char* key : {"model", "solver", "hypergradient", "outer", "dataset", "train"})
        json.erase(key);
    }
    return json;
  };
  // The dataset mode's settings: the single image does not read them.
  const auto withoutDataset = [](nlohmann::json json) {
    if (json.is_object()) {
      json.erase("dataset");
      json.erase("train");
    }
    return json;
  };
  if (workerConfiguration_ && !reloadNext_ &&
      workerConfiguration_->json() != configuration.json() &&
      withoutDataset(workerConfiguration_->json()) == withoutDataset(configuration.json())) {
    workerConfiguration_ = configuration;
    return WorkerUpdate::Unchanged;
  }
  const bool reload = reloadNext_ || !workerConfiguration_ || problem(before) != problem(after);
  if (before.is_object()) before["model"].erase("lambda");
  after["model"].erase("lambda");
  workerConfiguration_ = configuration;
  if (reload) {
    emit loadingStarted();
    queueCall(worker_, [w = worker_, configuration] { w->load(configuration); });
    return WorkerUpdate::Reload;
  }
  if (before != after) {
    queueCall(worker_, [w = worker_, configuration] { w->reconfigure(configuration); });
    return WorkerUpdate::Reconfigure;
  }
  queueCall(worker_, [w = worker_] { w->discardSession(); });
  return WorkerUpdate::NewSession;
}

}  // namespace bilevel::studio

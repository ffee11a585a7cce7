#include "DatasetMode.h"

#include <QAction>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QScrollArea>
#include <QStackedWidget>
#include <cmath>

#include "DatasetPage.h"
#include "FileActions.h"
#include "MainWindow.h"
#include "QueuedCall.h"
#include "StatusReport.h"
#include "StudioDocument.h"
#include "WindowLayout.h"
#include "common/Error.h"
#include "data/Dataset.h"
#include "image/ImageIO.h"
#include "learning/LearnedModel.h"
#include "widgets/DatasetImageList.h"
#include "widgets/DatasetSettingsForm.h"
#include "widgets/LearnedFiltersPanel.h"
#include "widgets/PerImageTable.h"
#include "widgets/SeriesPlot.h"

namespace bilevel::studio {

namespace {

QString duration(double seconds) {
  if (seconds < 1.0) return QObject::tr("%1 ms").arg(seconds * 1e3, 0, 'f', 0);
  if (seconds < 120.0) return QObject::tr("%1 s").arg(seconds, 0, 'f', 1);
  return QObject::tr("%1 min %2 s")
      .arg(std::floor(seconds / 60.0), 0, 'f', 0)
      .arg(std::fmod(seconds, 60.0), 0, 'f', 0);
}

QAction* makeAction(QObject* parent, const QString& text, const char* name, const QString& tip) {
  auto* action = new QAction(text, parent);
  action->setObjectName(QString::fromLatin1(name));
  action->setToolTip(tip);
  return action;
}

// A learned model from the text of its file (what the worker wrote, or a file read earlier).
LearnedModel parseLearnedModel(const QString& text) {
  const nlohmann::json json = nlohmann::json::parse(text.toStdString());
  LearnedModel learned;
  learned.model = json.at("model");
  learned.solver = json.at("solver");
  learned.layout = json.at("layout");
  learned.training = json.value("training", nlohmann::json::object());
  const auto& theta = json.at("theta");
  learned.theta.resize(Eigen::Index(theta.size()));
  for (std::size_t i = 0; i < theta.size(); ++i)
    learned.theta[Eigen::Index(i)] = theta[i].get<double>();
  return learned;
}

}  // namespace

DatasetMode::DatasetMode(MainWindow* window, StudioDocument* document, QStackedWidget* modes,
                         QWidget* images)
    : QObject(window), window_(window), document_(document), modes_(modes), images_(images) {
  worker_ = new DatasetWorker;
  worker_->moveToThread(&thread_);
  connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
  thread_.setObjectName(QStringLiteral("dataset worker"));
  thread_.start();
  queueCall(worker_, [w = worker_] { w->yieldToInterface(); });
  connect(worker_, &DatasetWorker::opened, this, &DatasetMode::onOpened);
  connect(worker_, &DatasetWorker::trainingStarted, this, [this](int training, int validation) {
    window_->statusReport()->say(tr("Dataset: training on %1 samples, %2 held out for validation…")
                                     .arg(training)
                                     .arg(validation));
  });
  connect(worker_, &DatasetWorker::stepReady, this, &DatasetMode::onStep);
  connect(worker_, &DatasetWorker::trainingStopped, this, &DatasetMode::onStopped);
  connect(worker_, &DatasetWorker::evaluated, this, &DatasetMode::onEvaluated);
  connect(worker_, &DatasetWorker::failed, this, &DatasetMode::onFailed);

  page_ = new DatasetPage;
  // Scrolled rather than squeezed on a small screen, and so that its minimum size does not
  // become the central area's (the images need less).
  pageArea_ = new QScrollArea;
  pageArea_->setWidget(page_);
  pageArea_->setWidgetResizable(true);
  pageArea_->setFrameShape(QFrame::NoFrame);
  modes_->addWidget(pageArea_);

  open_ = makeAction(this, tr("Open &Dataset…"), "openDatasetAction",
                     tr("Pick a folder of clean images to learn on (Ctrl+Shift+D)"));
  open_->setShortcut(QKeySequence(tr("Ctrl+Shift+D")));
  connect(open_, &QAction::triggered, this, [this] {
    const QString folder =
        QFileDialog::getExistingDirectory(window_, tr("Open a dataset: a folder of clean images"),
                                          window_->fileActions()->dialogDirectory());
    if (!folder.isEmpty()) openDataset(folder);
  });
  train_ = makeAction(this, tr("&Train"), "trainDatasetAction",
                      tr("Learn the panel's model on the dataset: train.steps steps from the "
                         "model's initial parameters, or from a loaded model's (Start from)"));
  connect(train_, &QAction::triggered, this, &DatasetMode::train);
  pause_ =
      makeAction(this, tr("&Pause"), "pauseDatasetAction",
                 tr("Pause after the current step; Resume continues exactly where it stopped"));
  connect(pause_, &QAction::triggered, this, &DatasetMode::pause);
  resume_ = makeAction(this, tr("&Resume"), "resumeDatasetAction",
                       tr("Continue the paused run with its optimiser memory and warm starts"));
  connect(resume_, &QAction::triggered, this, &DatasetMode::resume);
  stop_ = makeAction(this, tr("&Stop"), "stopDatasetAction",
                     tr("End the run now, keeping the parameters of its last step"));
  connect(stop_, &QAction::triggered, this, &DatasetMode::stop);
  apply_ = makeAction(this, tr("&Apply to Image"), "applyDatasetModelAction",
                      tr("Denoise the open image with the learned model: its model, filters and "
                         "weights replace the panel's; Edit › Undo goes back"));
  connect(apply_, &QAction::triggered, this, &DatasetMode::applyToImage);
  save_ = makeAction(this, tr("Sa&ve Model…"), "saveDatasetModelAction",
                     tr("Save the learned model as model.json (what bilevel-cli solve --params, "
                        "evaluate and Apply Learned Model read)"));
  connect(save_, &QAction::triggered, this, [this] {
    const QString path = askModelPath(true);
    if (!path.isEmpty()) saveModel(path);
  });
  load_ = makeAction(this, tr("&Load Model…"), "loadDatasetModelAction",
                     tr("Show a model.json's filters and measure it on the validation images"));
  connect(load_, &QAction::triggered, this, [this] {
    if (!maybeSaveModel(tr("loading another"))) return;
    const QString path = askModelPath(false);
    if (!path.isEmpty()) loadModel(path);
  });
  mode_ = makeAction(this, tr("&Dataset Mode"), "datasetModeAction",
                     tr("Switch between the open image and the dataset (Ctrl+D)"));
  mode_->setCheckable(true);
  mode_->setShortcut(QKeySequence(tr("Ctrl+D")));
  connect(mode_, &QAction::toggled, this, &DatasetMode::setActive);
  page_->setActions({open_, train_, pause_, resume_, stop_}, {apply_, save_, load_});

  connect(page_->settings(), &widgets::DatasetSettingsForm::settingChanged, this,
          [this](const QString& key, const QVariant& value) {
            if (running()) {
              onSettingsChanged();  // locked: an edit that slipped through changes nothing
              return;
            }
            window_->attempt(tr("Invalid setting"), [&] { document_->editSetting(key, value); });
            onSettingsChanged();
          });
  connect(document_, &StudioDocument::settingsChanged, this, &DatasetMode::onSettingsChanged);
  onSettingsChanged();
  updateActions();
}

DatasetMode::~DatasetMode() {
  worker_->requestQuit();
  thread_.quit();
  thread_.wait();
}

void DatasetMode::populate(QMenu* file, QMenu* dataset, QMenu* view) {
  // Beside the other opens, before Apply Learned Model.
  QAction* before = nullptr;
  for (QAction* action : file->actions()) {
    if (action->objectName() == QLatin1String("applyLearnedModelAction")) before = action;
  }
  file->insertAction(before, open_);
  QMenu* generated = new QMenu(tr("Open &Generated Dataset"), file);
  // The core's list: a generator added there shows here.
  for (const ImageGenerator& generator : imageGenerators()) {
    const QString folder = QString::fromStdString(generatedFolder(generator.kind));
    QAction* action = generated->addAction(QString::fromStdString(generator.title), this,
                                           [this, folder] { openDataset(folder); });
    action->setObjectName(QStringLiteral("openGenerated:") +
                          QString::fromStdString(generator.name));
    action->setToolTip(QString::fromStdString(generator.description));
    action->setStatusTip(action->toolTip());
  }
  generated->setToolTipsVisible(true);
  generated->setToolTip(tr("dataset.count generated images of dataset.size² pixels"));
  file->insertMenu(before, generated);
  dataset->addActions({open_, mode_});
  dataset->addSeparator();
  dataset->addActions({train_, pause_, resume_, stop_});
  dataset->addSeparator();
  dataset->addActions({apply_, save_, load_});
  view->addAction(mode_);
}

bool DatasetMode::active() const {
  return modes_->currentWidget() == pageArea_;
}

void DatasetMode::setActive(bool active) {
  modes_->setCurrentWidget(active ? static_cast<QWidget*>(pageArea_) : images_);
  // The single image's analysis (its curves, diagnostics and filters) has nothing to show here.
  window_->windowLayout()->suppressAnalysis(active);
  if (mode_->isChecked() != active) mode_->setChecked(active);
}

nlohmann::json DatasetMode::listingKey(const nlohmann::json& configuration) {
  nlohmann::json key = configuration["dataset"];
  for (const char* free : {"patch_size", "patches", "batch"})
    key.erase(free);
  return key;
}

bool DatasetMode::openDataset(const QString& folder) {
  if (running()) {
    window_->statusReport()->say(tr("Stop the dataset run before opening another dataset."));
    return false;
  }
  QString specification = folder;
  if (!isGeneratedFolder(folder.toStdString())) {
    specification = QFileInfo(folder).absoluteFilePath();
    if (!QFileInfo(folder).isDir()) {
      window_->showError(tr("Cannot open the dataset"),
                         tr("'%1' is not a folder: a dataset is a folder of clean images.")
                             .arg(QDir::toNativeSeparators(specification)),
                         int(ErrorKind::Usage));
      return false;
    }
  }
  return window_->attempt(tr("Cannot open the dataset"), [&] {
    Configuration configuration = document_->configuration();
    configuration.set("dataset.folder=" + nlohmann::json(specification.toStdString()).dump());
    pendingFolder_ = specification;
    setState(State::Opening);
    setActive(true);
    window_->statusReport()->say(tr("Reading the dataset %1…").arg(specification));
    queueCall(worker_, [w = worker_, configuration] { w->open(configuration); });
  });
}

void DatasetMode::onOpened(const DatasetListing& listing) {
  listing_ = listing;
  std::vector<widgets::DatasetImageRow> rows;
  for (const DatasetImage& image : listing.images)
    rows.push_back({image.name, image.rows, image.cols, image.thumbnail, image.validation});
  page_->images()->setImages(rows);
  page_->setSummary(listing.description);
  if (pendingFolder_) {
    const QString folder = *pendingFolder_;
    pendingFolder_.reset();
    if (!isGeneratedFolder(folder.toStdString()))
      window_->fileActions()->rememberDirectory(folder + QStringLiteral("/."));
    // Committed now that it could be read: one undoable edit.
    document_->editSetting(QStringLiteral("dataset.folder"), folder);
  }
  listedWith_ = listingKey(document_->configuration().json());
  setState(running() ? state_ : State::Ready);
  window_->statusReport()->say(tr("Dataset: %1").arg(listing.description));
  emit datasetOpened();
}

void DatasetMode::onFailed(const QString& title, const QString& message, int exitCode) {
  if (state_ == State::Opening) {
    // Nothing was committed: the document and the listing shown stay as they were.
    pendingFolder_.reset();
    setState(listing_.images.empty() ? State::Empty : State::Ready);
  }
  window_->showError(title, message, exitCode);
}

void DatasetMode::onSettingsChanged() {
  const nlohmann::json& configuration = document_->configuration().json();
  page_->settings()->setConfiguration(configuration);
  const nlohmann::json& folderSetting = configuration["dataset"]["folder"];
  const std::string folder = folderSetting.is_string() ? folderSetting.get<std::string>() : "?";
  if (state_ == State::Opening || listingKey(configuration) == listedWith_) return;
  if (folder.empty()) {
    // Undone back to before any dataset.
    listing_ = {};
    listedWith_ = listingKey(configuration);
    page_->images()->setImages({});
    page_->setSummary(tr("No dataset open: File › Open Dataset… picks a folder of clean images."));
    if (!running()) setState(State::Empty);
    return;
  }
  if (listing_.images.empty() && listedWith_.is_null()) return;  // never opened here
  // Another folder (undo, redo, a session), split or generated set: list it again.
  listedWith_ = listingKey(configuration);
  queueCall(worker_, [w = worker_, c = document_->configuration()] { w->open(c); });
}

void DatasetMode::train() {
  if (state_ != State::Ready && state_ != State::Paused) return;
  // A paused run is ended; Train starts anew with the settings as they are now.
  worker_->armRun();
  page_->curves()->clear();
  page_->table()->clearResults();
  lastStep_ = 0;
  totalSteps_ = document_->configuration().json()["train"]["steps"].get<int>();
  setState(State::Training);
  window_->statusReport()->say(tr("Dataset: preparing the samples…"));
  queueCall(worker_, [w = worker_, c = document_->configuration()] { w->train(c); });
}

void DatasetMode::pause() {
  if (state_ != State::Training) return;
  worker_->requestPause();
  setState(State::Pausing);
  window_->statusReport()->say(tr("Dataset: pausing after this step…"));
}

void DatasetMode::pauseAfterStep(int step) {
  worker_->requestPauseAfter(step);
}

void DatasetMode::resume() {
  if (state_ != State::Paused) return;
  worker_->armRun();
  setState(State::Training);
  queueCall(worker_, [w = worker_] { w->resume(); });
}

void DatasetMode::stop() {
  if (state_ == State::Training || state_ == State::Pausing) {
    worker_->requestStop();
    setState(State::Stopping);
    window_->statusReport()->say(tr("Dataset: stopping…"));
  } else if (state_ == State::Paused) {
    // The paused run ends here; its θ is kept.
    worker_->armRun();
    worker_->requestStop();
    setState(State::Stopping);
    queueCall(worker_, [w = worker_] { w->resume(); });
  }
}

void DatasetMode::onStep(const DatasetStep& step) {
  worker_->stepTaken();
  const TrainingProgress& p = step.progress;
  lastStep_ = p.step;
  totalSteps_ = p.totalSteps;
  page_->curves()->append(page_->trainingSeries(), p.step, p.trainingPsnr);
  if (std::isfinite(p.validationPsnr)) {
    page_->curves()->append(page_->validationSeries(), p.step, p.validationPsnr);
    lastValidationPsnr_ = p.validationPsnr;
  }
  if (step.pictured) {
    parameters_ = p.parameters;
    showBank(step.bank);
  }
  if (!step.validation.empty()) showTable(step.validation, p.step);
  QString text = tr("Dataset: step %1 of %2 · training %3 dB")
                     .arg(p.step)
                     .arg(p.totalSteps)
                     .arg(p.trainingPsnr, 0, 'f', 2);
  if (std::isfinite(p.validationPsnr))
    text += tr(" · validation %1 dB").arg(p.validationPsnr, 0, 'f', 2);
  text += tr(" · %1 a step").arg(duration(p.stepSeconds));
  if (p.step < p.totalSteps) text += tr(" · ETA %1").arg(duration(p.etaSeconds));
  if (state_ != State::Pausing && state_ != State::Stopping) window_->statusReport()->say(text);
  emit stepShown(p.step);
}

void DatasetMode::showTable(const std::vector<ImageQuality>& rows, int step) {
  std::vector<widgets::ImagePsnrRow> shown;
  for (const ImageQuality& row : rows)
    shown.push_back({row.name, row.samples, row.noisyPsnr, row.reconstructedPsnr});
  page_->table()->setResults(shown, step);
  emit tableFilled();
}

void DatasetMode::showBank(const FilterBank& bank) {
  page_->filters()->setFilters(bank.filters, bank.penalty);
  page_->setFiltersVisible(!bank.filters.empty());
}

void DatasetMode::onEvaluated(const std::vector<ImageQuality>& rows, const FilterBank& bank) {
  showBank(bank);
  showTable(rows, running() || state_ == State::Paused ? lastStep_ : -1);
  if (state_ == State::Opening) return;
  if (!running() && state_ != State::Paused) setState(State::Ready);
}

void DatasetMode::onStopped(RunEnd end, const QString& message, const QString& model) {
  if (!model.isEmpty()) {
    // θ of the last step the run made, whether or not its step was pictured.
    model_ = model;
    modelUnsaved_ = true;
    parameters_ = parseLearnedModel(model).theta;
  }
  setState(end == RunEnd::Paused ? State::Paused : State::Ready);
  QString text;
  switch (end) {
    case RunEnd::Paused:
      text =
          tr("Dataset: paused at step %1 of %2; Resume continues.").arg(lastStep_).arg(totalSteps_);
      break;
    case RunEnd::Cancelled:
      text =
          tr("Dataset: stopped at step %1; the parameters of that step are kept.").arg(lastStep_);
      break;
    case RunEnd::Failed:
      text = tr("Dataset: the run failed: %1").arg(message);
      break;
    default:
      text = tr("Dataset: %1 steps done, validation %2 dB%3")
                 .arg(lastStep_)
                 .arg(lastValidationPsnr_, 0, 'f', 2)
                 .arg(message.isEmpty() ? QString() : tr(" (%1)").arg(message));
      break;
  }
  window_->statusReport()->say(text);
  emit runFinished(toString(end));
}

bool DatasetMode::applyToImage() {
  if (model_.isEmpty()) {
    window_->statusReport()->say(tr("Train on the dataset or load a model first."));
    return false;
  }
  bool applied = false;
  window_->attempt(tr("Cannot apply the learned model"), [&] {
    applied = window_->applyLearned(parseLearnedModel(model_), tr("from the dataset"));
  });
  if (applied) window_->statusReport()->say(tr("The dataset's model is applied to the image."));
  return applied;
}

bool DatasetMode::saveModel(const QString& name) {
  const QString path = FileActions::withExtension(name, QStringLiteral("(*.json)"));
  return window_->attempt(tr("Cannot save the learned model"), [&] {
    if (model_.isEmpty()) throw usageError("nothing learned yet: train on the dataset first");
    window_->refuseToOverwriteInputs(path, true);
    writeTextFileAtomically(std::filesystem::path(path.toStdString()), model_.toStdString());
    modelUnsaved_ = false;
    page_->settings()->setOfferedModel(QFileInfo(path).absoluteFilePath());
    window_->fileActions()->rememberSaveDirectory(path);
    window_->statusReport()->say(tr("Learned model saved to %1").arg(path));
  });
}

bool DatasetMode::loadModel(const QString& path) {
  if (running()) {
    window_->statusReport()->say(tr("Stop the dataset run before loading a model."));
    return false;
  }
  return window_->attempt(tr("Cannot load the learned model"), [&] {
    const LearnedModel learned = readLearnedModel(std::filesystem::path(path.toStdString()));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
      throw inputError("cannot read '" + path.toStdString() + "'");
    const QString text = QString::fromUtf8(file.readAll());
    Configuration configuration = document_->configuration();
    learned.applyTo(configuration, path.toStdString());  // a model unknown here changes nothing
    // "Start from" chose the learned model, and the learned model is now this file: a Train
    // that went on from the previous file would silently discard what was just loaded.
    if (!configuration.json()["train"].value("initial_model", std::string()).empty())
      configuration.set("train.initial_model=" +
                        nlohmann::json(QFileInfo(path).absoluteFilePath().toStdString()).dump());
    model_ = text;
    modelUnsaved_ = false;
    parameters_ = learned.theta;
    // The settings shown (and the next Train's) are the loaded model's: one undoable edit.
    StudioDocument::Settings next = document_->settings();
    if (next.configuration.json()["model"] != configuration.json()["model"])
      next.startParameters.resize(0);  // θ of another model
    next.configuration = configuration;
    document_->edit(tr("Load Model %1").arg(QFileInfo(path).fileName()), std::move(next));
    page_->settings()->setOfferedModel(QFileInfo(path).absoluteFilePath());
    page_->curves()->clear();
    page_->table()->clearResults();
    if (state_ == State::Paused) setState(State::Ready);  // the paused run is replaced
    window_->statusReport()->say(
        tr("Measuring %1 on the validation images…").arg(QFileInfo(path).fileName()));
    worker_->armRun();
    queueCall(worker_, [w = worker_, configuration, theta = learned.theta] {
      w->evaluate(configuration, theta);
    });
    updateActions();
  });
}

bool DatasetMode::maybeSaveModel(const QString& before) {
  if (!modelUnsaved_ || model_.isEmpty()) return true;
  return window_->fileActions()->askToSave(
      tr("Save the model learned on the dataset before %1?").arg(before), [this] {
        const QString path = askModelPath(true);
        return !path.isEmpty() && saveModel(path);
      });
}

QString DatasetMode::askModelPath(bool save) {
  FileActions* files = window_->fileActions();
  if (save)
    return files->askSavePath(tr("Save the learned model"), tr("model"), tr("JSON (*.json)"));
  return QFileDialog::getOpenFileName(window_, tr("Load a learned model"), files->dialogDirectory(),
                                      tr("Learned models (*.json);;All files (*)"));
}

void DatasetMode::setState(State state) {
  state_ = state;
  page_->settings()->setLocked(running());
  updateActions();
  emit stateChanged();
}

void DatasetMode::updateActions() {
  const bool listed = !listing_.images.empty();
  const bool idle = state_ == State::Ready || state_ == State::Empty;
  // Not while paused: a new dataset would orphan the paused run (it could be neither resumed
  // nor stopped from the window); Stop first.
  open_->setEnabled(idle);
  train_->setEnabled(listed && (state_ == State::Ready || state_ == State::Paused));
  pause_->setEnabled(state_ == State::Training);
  resume_->setEnabled(state_ == State::Paused);
  stop_->setEnabled(state_ == State::Training || state_ == State::Pausing ||
                    state_ == State::Paused);
  apply_->setEnabled(!model_.isEmpty() && !running());
  // While a run goes, model_ is the previous run's (or a loaded) model, not the current θ.
  save_->setEnabled(!model_.isEmpty() && !running());
  load_->setEnabled(listed && !running());
}

}  // namespace bilevel::studio

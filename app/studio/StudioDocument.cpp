#include "StudioDocument.h"

#include <QUndoCommand>
#include <QUndoStack>
#include <QVariant>

#include "registry/Registry.h"

namespace bilevel::studio {

namespace {

// Room for a long session's edits; a step holds at most its settings (or, for an open and a
// learning run, the history it replaced or added), so this bounds the stack to a few histories.
constexpr int kUndoLimit = 200;

bool sameParameters(const Vector& a, const Vector& b) {
  return a.size() == b.size() && (a.size() == 0 || a == b);
}

bool sameSettings(const StudioDocument::Settings& a, const StudioDocument::Settings& b) {
  return a.configuration.json() == b.configuration.json() &&
         sameParameters(a.startParameters, b.startParameters) &&
         a.segmentPending == b.segmentPending && a.preset == b.preset;
}

// Whether a and b pose the same single-image problem: equal but for the dataset mode's settings
// (dataset.*, train.*), which the single image's learning does not read.
bool sameImageProblem(const StudioDocument::Settings& a, const StudioDocument::Settings& b) {
  nlohmann::json x = a.configuration.json(), y = b.configuration.json();
  for (const char* key : {"dataset", "train"}) {
    x.erase(key);
    y.erase(key);
  }
  return x == y && sameParameters(a.startParameters, b.startParameters);
}

}  // namespace

// An edit of the settings: configuration, start θ, preset.
class StudioDocument::EditCommand : public QUndoCommand {
 public:
  EditCommand(StudioDocument* document, const QString& text, Settings before, Settings after,
              Merge merge)
      : QUndoCommand(text),
        document_(document),
        before_(std::move(before)),
        after_(std::move(after)),
        merge_(merge) {}
  int id() const override { return int(merge_); }
  bool mergeWith(const QUndoCommand* other) override {
    // Only while the slider is held or the spin box edited: consecutive moves are one edit.
    if (!document_->mergeOpen_ || other->id() != id()) return false;
    after_ = static_cast<const EditCommand*>(other)->after_;
    setText(other->text());  // "λ = " the value the drag ended at
    return true;
  }
  void undo() override { document_->applySettings(before_); }
  void redo() override { document_->applySettings(after_); }

 private:
  StudioDocument* document_;
  Settings before_, after_;
  Merge merge_;
};

// An open: everything replaced.
class StudioDocument::OpenCommand : public QUndoCommand {
 public:
  OpenCommand(StudioDocument* document, const QString& text, Content before, Content after)
      : QUndoCommand(text),
        document_(document),
        before_(std::move(before)),
        after_(std::move(after)) {}
  void undo() override { document_->applyContent(before_); }
  void redo() override { document_->applyContent(after_); }

 private:
  StudioDocument* document_;
  Content before_, after_;
};

// A learning run: the rows it added and the θ it reached. Undo cuts the rows and returns θ to
// where the run started; redo puts them back.
class StudioDocument::RunCommand : public QUndoCommand {
 public:
  RunCommand(StudioDocument* document, const QString& text, RunStart start, Vector reached,
             std::vector<Snapshot> rows, std::vector<int> segments)
      : QUndoCommand(text),
        document_(document),
        start_(std::move(start)),
        reached_(std::move(reached)),
        rows_(std::move(rows)),
        segments_(std::move(segments)) {}
  void undo() override {
    Content& content = document_->content_;
    content.history.resize(start_.historySize);
    content.segmentStarts.resize(start_.segmentCount);
    content.settings.startParameters = start_.startParameters;
    content.settings.segmentPending = start_.segmentPending;
    emit document_->historyReset();
    emit document_->settingsChanged();
  }
  void redo() override {
    if (first_) {  // the run has already done it
      first_ = false;
      return;
    }
    Content& content = document_->content_;
    content.history.insert(content.history.end(), rows_.begin(), rows_.end());
    content.segmentStarts.insert(content.segmentStarts.end(), segments_.begin(), segments_.end());
    content.settings.startParameters = reached_;
    content.settings.segmentPending = false;
    emit document_->historyReset();
    emit document_->settingsChanged();
  }

 private:
  StudioDocument* document_;
  RunStart start_;
  Vector reached_;
  std::vector<Snapshot> rows_;
  std::vector<int> segments_;
  bool first_ = true;
};

StudioDocument::StudioDocument(QObject* parent)
    : QObject(parent), undoStack_(new QUndoStack(this)) {
  undoStack_->setUndoLimit(kUndoLimit);
  connect(undoStack_, &QUndoStack::cleanChanged, this,
          [this](bool clean) { emit modifiedChanged(!clean); });
}

StudioDocument::~StudioDocument() {
  // ~QObject deletes the undo stack after this object's connections are gone, but the stack's
  // clear() still emits indexChanged/cleanChanged to receivers elsewhere, e.g. the window's undo
  // actions while the window itself is being destroyed (UBSan: a call into a MainWindow that is
  // already only a QWidget). Nobody is told about a stack that is going away.
  undoStack_->disconnect();
}

bool StudioDocument::isModified() const {
  return !undoStack_->isClean();
}

void StudioDocument::markSaved() {
  undoStack_->setClean();
}

void StudioDocument::edit(const QString& text, Settings next, Merge merge) {
  next.segmentPending = content_.settings.segmentPending;
  if (sameSettings(next, content_.settings)) return;
  // An edit after learning begins a new segment at the next run (issue 10 §1: the history
  // stays).
  if (!content_.history.empty() && !sameImageProblem(next, content_.settings))
    next.segmentPending = true;
  if (merge == Merge::Never) mergeOpen_ = false;
  undoStack_->push(new EditCommand(this, text, content_.settings, std::move(next), merge));
  if (merge != Merge::Never) mergeOpen_ = true;
}

void StudioDocument::editSetting(const QString& key, const QVariant& value) {
  const Configuration& current = configuration();
  Configuration next = current;
  nlohmann::json json;
  if (value.typeId() == QMetaType::QString) {
    json = value.toString().toStdString();
  } else if (value.typeId() == QMetaType::QVariantList) {
    json = nlohmann::json::array();
    for (const QVariant& v : value.toList())
      json.push_back(v.toInt());
  } else if (value.typeId() == QMetaType::Int) {
    json = value.toInt();
  } else {
    json = value.toDouble();
  }
  const registry::ModelEntry* model =
      key == QLatin1String("model.type") ? registry::findModel(json.get<std::string>()) : nullptr;
  const registry::SolverEntry* solver = registry::findSolver(current.solverType());
  if (model && solver && solver->kind != model->kind) {
    // A model of the other kind comes with the first solver of its kind (TV's primal–dual
    // solver) and, when the method cannot differentiate that kind (implicit-cg for TV,
    // implicit-manifold for a smooth model), the first method that can and serves that solver,
    // rather than an error that they do not fit. The panel shows what was picked.
    for (const auto& fitting : registry::solvers()) {
      if (fitting.kind != model->kind) continue;
      nlohmann::json change = {{"model", {{"type", model->name}}},
                               {"solver", {{"type", fitting.name}}}};
      const registry::MethodEntry& method = registry::method(current.method());
      if (!registry::methodSupportsModel(method, *model) ||
          !registry::methodSupportsSolver(method, fitting)) {
        for (const auto& candidate : registry::methods()) {
          if (registry::methodSupportsModel(candidate, *model) &&
              registry::methodSupportsSolver(candidate, fitting)) {
            change["hypergradient"] = {{"method", candidate.name}};
            break;
          }
        }
      }
      next.merge(change, "the model list");
      break;
    }
  } else {
    next.set(key.toStdString() + "=" + json.dump());
  }
  if (next.json() == current.json()) return;
  Settings settings = content_.settings;
  settings.configuration = std::move(next);
  // A different lower-level problem: the learned θ no longer describes it (the history stays,
  // and the next run begins a new segment of it).
  if (key.startsWith(QLatin1String("model."))) settings.startParameters.resize(0);
  const registry::Setting* setting = registry::findSetting(key.toStdString());
  edit(setting ? QString::fromStdString(setting->label) : key, std::move(settings));
}

void StudioDocument::editLambda(double lambda) {
  // The shown λ is the configuration's, whether or not the slider was released: a saved session
  // and the next Learn start from it.
  Settings next = content_.settings;
  try {
    next.configuration.set("model.lambda=" + nlohmann::json(lambda).dump());
  } catch (const std::exception&) {
    return;  // the slider's range lies inside the valid one; nothing to report
  }
  next.startParameters.resize(0);
  edit(tr("λ = %1").arg(lambda, 0, 'g', 4), std::move(next), Merge::Lambda);
}

void StudioDocument::restart(const QString& text) {
  if (content_.history.empty() && content_.settings.startParameters.size() == 0) return;
  Content next{content_.settings};
  next.settings.startParameters.resize(0);
  next.settings.segmentPending = false;
  replace(text, std::move(next));
}

void StudioDocument::closeMerging() {
  mergeOpen_ = false;
}

void StudioDocument::open(const QString& text, Content next, bool recovered) {
  mergeOpen_ = false;
  undoStack_->push(new OpenCommand(this, text, content_, std::move(next)));
  // A recovered session is saved nowhere yet.
  if (recovered) {
    undoStack_->resetClean();
  } else {
    undoStack_->setClean();
  }
}

void StudioDocument::replace(const QString& text, Content next) {
  mergeOpen_ = false;
  undoStack_->push(new OpenCommand(this, text, content_, std::move(next)));
}

void StudioDocument::beginRun() {
  mergeOpen_ = false;
  run_ = RunStart{content_.settings.startParameters, content_.settings.segmentPending,
                  content_.history.size(), content_.segmentStarts.size()};
}

void StudioDocument::appendSnapshot(const Snapshot& row) {
  content_.history.push_back(row);
  emit snapshotAppended(content_.history.back());
}

void StudioDocument::startSegment(int iteration) {
  content_.segmentStarts.push_back(iteration);
  content_.settings.segmentPending = false;
}

void StudioDocument::setLearnedParameters(const Vector& theta) {
  content_.settings.startParameters = theta;
}

void StudioDocument::endRun(const QString& text) {
  if (!run_) return;
  RunStart start = std::move(*run_);
  run_.reset();
  const bool learned = content_.history.size() > start.historySize ||
                       !sameParameters(start.startParameters, content_.settings.startParameters);
  if (!learned) return;
  std::vector<Snapshot> rows(content_.history.begin() + std::ptrdiff_t(start.historySize),
                             content_.history.end());
  std::vector<int> segments(content_.segmentStarts.begin() + std::ptrdiff_t(start.segmentCount),
                            content_.segmentStarts.end());
  undoStack_->push(new RunCommand(this, text, std::move(start), content_.settings.startParameters,
                                  std::move(rows), std::move(segments)));
}

void StudioDocument::setPair(const TrainingPair& pair) {
  pair_ = pair;
  emit pairChanged();
}

void StudioDocument::setResult(const Vector& theta, double psnr) {
  parameters_ = theta;
  psnr_ = psnr;
}

void StudioDocument::correctConfiguration(const Configuration& effective) {
  content_.settings.configuration = effective;
  emit settingsChanged();
}

void StudioDocument::dropStartParameters() {
  content_.settings.startParameters.resize(0);
  parameters_.resize(0);
}

void StudioDocument::applySettings(const Settings& settings) {
  content_.settings = settings;
  emit settingsChanged();
}

void StudioDocument::applyContent(const Content& content) {
  content_ = content;
  emit historyReset();
  emit settingsChanged();
}

}  // namespace bilevel::studio

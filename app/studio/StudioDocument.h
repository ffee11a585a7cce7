#pragma once

#include <QObject>
#include <QString>
#include <optional>
#include <vector>

#include "CoreTypes.h"

class QUndoStack;
class QVariant;

namespace bilevel::studio {

// What a person makes in the studio, in one place (issue 10): the configuration, the opened
// images, the parameters θ the next Learn starts from, the learning history with its segments,
// and the latest result. It is the only thing the parameter panel shows and edits: every edit is
// a command on its undo stack, and the window refreshes the panel, the plots and the worker from
// its signals, so what the panel shows is what the next run uses. No widgets.
class StudioDocument : public QObject {
  Q_OBJECT

 public:
  // What an edit changes. startParameters empty: the next Learn starts from model.lambda.
  struct Settings {
    Configuration configuration;
    Vector startParameters = {};
    // An edit after learning: the next run's first point starts a new segment of the history
    // instead of continuing the last one.
    bool segmentPending = false;
    QString preset = {};  // "" shows "custom"
  };
  // What an open replaces.
  struct Content {
    Settings settings;
    std::vector<Snapshot> history = {};
    std::vector<int> segmentStarts = {};
  };
  // How consecutive edits of one kind merge into one undo step (QUndoCommand::id).
  enum class Merge { Never = -1, Lambda = 1 };

  explicit StudioDocument(QObject* parent = nullptr);
  ~StudioDocument() override;

  const Configuration& configuration() const { return content_.settings.configuration; }
  const Settings& settings() const { return content_.settings; }
  const Vector& startParameters() const { return content_.settings.startParameters; }
  const std::vector<Snapshot>& history() const { return content_.history; }
  // The iterations at which a segment after the first begins: an edit was made between the
  // previous row and this one.
  const std::vector<int>& segmentStarts() const { return content_.segmentStarts; }
  bool segmentPending() const { return content_.settings.segmentPending; }
  QString presetName() const { return content_.settings.preset; }
  const TrainingPair& pair() const { return pair_; }
  bool hasImages() const { return pair_.clean.size() > 0; }
  // The latest result: θ shown and its reconstruction's PSNR.
  const Vector& parameters() const { return parameters_; }
  double psnr() const { return psnr_; }

  QUndoStack* undoStack() const { return undoStack_; }
  bool isModified() const;
  // Saved: the current state is the one on disk.
  void markSaved();

  // One undoable edit from the current settings to `next` (nothing when they are equal). A λ
  // edit merges with the λ edit before it until closeMerging() (slider released, spin box left).
  void edit(const QString& text, Settings next, Merge merge = Merge::Never);
  void closeMerging();
  // A panel edit as a dotted configuration key and its value ("solver.type", "model.grid"):
  // validated (throws naming the key), one undo step. A model of the other kind brings a solver
  // and, where needed, a method of that kind; a model edit drops θ (the next run starts a new
  // segment from λ).
  void editSetting(const QString& key, const QVariant& value);
  // λ from the slider or the spin box: the configuration's, with θ dropped (the next Learn starts
  // from it); consecutive λ edits merge (Merge::Lambda). A λ outside the valid range is ignored.
  void editLambda(double lambda);
  // Forgets the learned θ and the history, as one undoable step (nothing when there are none).
  void restart(const QString& text);
  // An open (images, session): one undoable step that replaces everything, after which the
  // document counts as unmodified (modified when it is a recovered autosave).
  void open(const QString& text, Content next, bool recovered = false);
  // An undoable step that replaces everything and is an edit (Restart from λ).
  void replace(const QString& text, Content next);

  // A learning run is one undoable step: begin, its rows, its end (which pushes the step when
  // anything was learned).
  void beginRun();
  void appendSnapshot(const Snapshot& row);
  // The first row of a new segment: iteration numbers go on after the last row.
  void startSegment(int iteration);
  void setLearnedParameters(const Vector& theta);
  void endRun(const QString& text);

  // Not undoable: derived from the configuration, or a correction the worker made.
  void setPresetName(const QString& name) { content_.settings.preset = name; }
  void setPair(const TrainingPair& pair);
  void setResult(const Vector& theta, double psnr);
  void correctConfiguration(const Configuration& effective);
  // Forgets θ, e.g. when the saved parameters do not fit the model.
  void dropStartParameters();

 signals:
  // The settings changed by an edit, an undo or a redo (not by a learning step).
  void settingsChanged();
  // The history was replaced or cut (open, undo of a run): plots rebuild from history().
  void historyReset();
  void snapshotAppended(const bilevel::Snapshot& row);
  void pairChanged();
  void modifiedChanged(bool modified);

 private:
  class EditCommand;
  class OpenCommand;
  class RunCommand;
  void applySettings(const Settings& settings);
  void applyContent(const Content& content);

  Content content_;
  TrainingPair pair_;
  Vector parameters_;
  double psnr_ = 0.0;
  QUndoStack* undoStack_ = nullptr;
  bool mergeOpen_ = false;
  // The run in progress: where it started.
  struct RunStart {
    Vector startParameters;
    bool segmentPending = false;
    std::size_t historySize = 0;
    std::size_t segmentCount = 0;
  };
  std::optional<RunStart> run_;
};

}  // namespace bilevel::studio

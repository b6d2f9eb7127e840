using LvmCloud.Functions.Functions;
using LvmCloud.Platform.Batches;
using LvmCloud.Platform.Datasets;
using LvmCloud.Platform.Intake;
using LvmCloud.Platform.Models;
using LvmCloud.Platform.Training;
using Microsoft.Extensions.Logging.Abstractions;

namespace LvmCloud.Platform.Tests.Infrastructure;

/// <summary>The function classes, constructed over the harness's services as the Functions host would.</summary>
internal sealed class Api(PlatformHarness harness)
{
    public CreateBatchFunction Create { get; } = new(harness.Get<BatchCreationService>());
    public ManifestUploadedFunction ManifestUploaded { get; } = new(harness.Get<BatchIntakeService>(), NullLogger<ManifestUploadedFunction>.Instance);
    public GetBatchStatusFunction Status { get; } = new(harness.Get<BatchQueryService>());
    public ListBatchesFunction List { get; } = new(harness.Get<BatchQueryService>());
    public GetBatchResultsFunction Results { get; } = new(harness.Get<BatchQueryService>());
    public GetItemFileFunction ItemFile { get; } = new(harness.Get<BatchQueryService>());
    public GetGalleryFunction Gallery { get; } = new(harness.Get<GalleryService>());
    public CancelBatchFunction Cancel { get; } = new(harness.Get<BatchCancellationService>());
    public TokenizeScheduleFunction TokenizeSchedule { get; } = new(harness.Get<TokenizeScheduler>());
    public SentencesUploadedFunction SentencesUploaded { get; } = new(harness.Get<TokenizePlanner>(), NullLogger<SentencesUploadedFunction>.Instance);
    public RequestTokenizeFunction RequestTokenize { get; } = new(harness.Get<TokenizePlanner>());
    public ListDatasetsFunction ListDatasets { get; } = new(harness.Get<DatasetQueryService>());
    public GetDatasetFunction GetDataset { get; } = new(harness.Get<DatasetQueryService>());
    public GetDatasetTokensFunction GetDatasetTokens { get; } = new(harness.Get<DatasetQueryService>());
    public CreateDatasetUploadFunction CreateDatasetUpload { get; } = new(harness.Get<DatasetUploadService>());
    public StartTrainingFunction StartTraining { get; } = new(harness.Get<TrainingRunService>());
    public CreateTrainingUploadsFunction CreateTrainingUploads { get; } = new(harness.Get<TrainingRunService>());
    public GetTrainingStatusFunction TrainingStatus { get; } = new(harness.Get<TrainingRunService>());
    public GetTrainingLossPlotFunction TrainingLossPlot { get; } = new(harness.Get<TrainingRunService>());
    public CancelTrainingFunction CancelTraining { get; } = new(harness.Get<TrainingRunService>());
    public ResumeTrainingFunction ResumeTraining { get; } = new(harness.Get<TrainingRunService>());
    public RunUploadedFunction RunUploaded { get; } = new(harness.Get<TrainingRunService>(), NullLogger<RunUploadedFunction>.Instance);
    public ListModelsFunction ListModels { get; } = new(harness.Get<ModelRegistry>());
    public GetModelFileFunction ModelFile { get; } = new(harness.Get<ModelRegistry>());
}

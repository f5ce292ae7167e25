import FanfareCore
import Foundation

/// The sentiment and intent models Fanfare ships, read once per process
/// from this module's resource. FanfareCore parses the bytes but never
/// opens a file (it does no I/O), so reading the resource is the server's
/// job; the benchmark uses the same loader.
public enum ShippedAnalysisModels {
    public static let models: AnalysisModels = {
        guard let url = Bundle.module.url(forResource: "analysis-model", withExtension: "bin"), let data = try? Data(contentsOf: url),
            let models = try? AnalysisModels(data: data)
        else { fatalError("the analysis model resource (analysis-model.bin) is missing or damaged; rebuild or run scripts/analysis/train.py") }
        return models
    }()
}

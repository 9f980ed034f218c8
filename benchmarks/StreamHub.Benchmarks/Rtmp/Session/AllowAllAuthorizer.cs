using StreamHub.StreamKeys;

namespace StreamHub.Benchmarks.Rtmp.Session;

/// <summary>Every key publishes stream "bench".</summary>
public sealed class AllowAllAuthorizer : IStreamKeyAuthorizer
{
    public ValueTask<PublishDecision> AuthorizePublishAsync(string streamKey, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new PublishDecision(PublishVerdict.Allowed, "bench"));
}

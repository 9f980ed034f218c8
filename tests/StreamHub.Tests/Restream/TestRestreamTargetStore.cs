using StreamHub.Restream;

namespace StreamHub.Tests.Restream;

/// <summary>The targets a test gives the pusher, until the real store (EF Core) lands; changed with
/// <see cref="Set"/>, then <see cref="IRestreamControl.TargetsChanged"/>.</summary>
public sealed class TestRestreamTargetStore : IRestreamTargetStore
{
    private readonly Lock _lock = new();
    private RestreamTarget[] _targets = [];

    public void Set(params RestreamTarget[] targets)
    {
        lock (_lock)
        {
            _targets = targets;
        }
    }

    public Task<IReadOnlyList<RestreamTarget>> ForStreamAsync(string streamName, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<RestreamTarget>>(_targets.Where(t => t.StreamName == streamName).ToList());
        }
    }
}

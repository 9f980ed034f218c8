using StreamHub.StreamKeys;

namespace StreamHub.Tests.Rtmp.Session;

/// <summary>Answers publish checks from a table: key → decision; anything else is an unknown key.</summary>
public sealed class FakeStreamKeyAuthorizer : IStreamKeyAuthorizer
{
    public Dictionary<string, PublishDecision> Keys { get; } = new(StringComparer.Ordinal);

    public List<string> Asked { get; } = [];

    public ValueTask<PublishDecision> AuthorizePublishAsync(string streamKey, CancellationToken cancellationToken)
    {
        lock (Asked)
        {
            Asked.Add(streamKey);
        }
        return ValueTask.FromResult(Keys.TryGetValue(streamKey, out var decision)
            ? decision
            : new PublishDecision(PublishVerdict.UnknownKey, null));
    }
}

namespace StreamHub.Restream;

/// <summary>Where the pusher reads a stream's targets, with their keys decrypted.</summary>
public interface IRestreamTargetStore
{
    /// <summary>Every target of <paramref name="streamName"/>, enabled or not.</summary>
    Task<IReadOnlyList<RestreamTarget>> ForStreamAsync(string streamName, CancellationToken cancellationToken);
}

namespace StreamHub.StreamKeys;

/// <summary>The publish path's question to the key store. An interface because RTMP session tests answer it without
/// a database.</summary>
public interface IStreamKeyAuthorizer
{
    ValueTask<PublishDecision> AuthorizePublishAsync(string streamKey, CancellationToken cancellationToken);
}

namespace StreamHub.StreamKeys;

/// <summary>Looks a presented key up by its hash in the store and checks its expiry.</summary>
public sealed class StreamKeyAuthorizer(IServiceScopeFactory scopes, TimeProvider time) : IStreamKeyAuthorizer
{
    public async ValueTask<PublishDecision> AuthorizePublishAsync(string streamKey, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(streamKey) || streamKey.Length > 256)
        {
            return new PublishDecision(PublishVerdict.UnknownKey, null);
        }
        await using var scope = scopes.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<StreamKeyStore>();
        var stream = await store.FindByKeyAsync(streamKey, cancellationToken);
        if (stream is null)
        {
            return new PublishDecision(PublishVerdict.UnknownKey, null);
        }
        if (stream.IsExpired(time.GetUtcNow()))
        {
            return new PublishDecision(PublishVerdict.Expired, stream.Name);
        }
        return new PublishDecision(PublishVerdict.Allowed, stream.Name, stream.AllowedPublisherNetworks, stream.HlsSettings,
            KeyVersion.Of(stream));
    }
}

namespace StreamHub.StreamKeys;

/// <summary>Which stream record, and which issue of its key, admitted a publish: a node that may have missed a key
/// change compares it with the store (a deleted and re-created stream has another id, a rotated key another issue
/// time). Never the key or its hash.</summary>
public readonly record struct KeyVersion(int StreamId, DateTimeOffset IssuedAt)
{
    public static KeyVersion Of(StreamRecord stream) => new(stream.Id, stream.KeyIssuedAt);
}

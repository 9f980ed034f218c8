using StreamHub.Media;

namespace StreamHub.Live;

/// <summary>One entry of a subscription's queue: a frame (sequence header, coded media, end of sequence) or the
/// stream's onMetaData. A frame read is the reader's to release (<see cref="MediaFrame.Release()"/>).</summary>
public readonly struct LiveItem
{
    private readonly object _value;

    internal LiveItem(object value) => _value = value;

    public MediaFrame? Frame => _value as MediaFrame;

    /// <summary>onMetaData as sanitised AMF values (<see cref="LiveStream.Metadata"/>).</summary>
    public IReadOnlyDictionary<string, object?>? Metadata => _value as IReadOnlyDictionary<string, object?>;
}

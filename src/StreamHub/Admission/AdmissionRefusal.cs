namespace StreamHub.Admission;

/// <summary>Why a peer may not publish or play, in terms of no protocol: each ingest or playback protocol maps it to
/// its own answer (an RTMP onStatus code, an HTTP status).</summary>
public enum AdmissionRefusal
{
    /// <summary>Admitted.</summary>
    None,

    /// <summary>The address is outside StreamHub:Access:Publish (publish) or StreamHub:Access:Play (play).</summary>
    AddressDenied,

    /// <summary>No stream has this key (or it names none).</summary>
    UnknownKey,

    /// <summary>The key matched a stream whose key has expired.</summary>
    Expired,

    /// <summary>The key is right, but the address is outside the stream's own allowed publisher networks.</summary>
    StreamAddressDenied,

    /// <summary>The stream is already live from another publisher, which carries on.</summary>
    AlreadyLive,

    /// <summary>No stream of that public name is live (play).</summary>
    NotLive,

    /// <summary>The stream is live on another node of the cluster (named in the admission's detail).</summary>
    LiveOnOtherNode,

    /// <summary>The store of keys and placements cannot be reached; streams already live carry on.</summary>
    StoreUnavailable,
}

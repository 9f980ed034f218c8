namespace StreamHub.Live;

/// <summary>Why a subscription ended.</summary>
public enum SubscriptionEnd : byte
{
    /// <summary>Still live.</summary>
    None,

    /// <summary>The publisher stopped: what is queued can still be read, then the reader sees the end.</summary>
    PublishEnded,

    /// <summary>It stayed behind (dropping frames) past <see cref="LiveOptions.SubscriberMaxBehindSeconds"/>.</summary>
    FellBehind,

    /// <summary>The consumer disposed of it.</summary>
    Unsubscribed,
}

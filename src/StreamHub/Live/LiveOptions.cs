using System.ComponentModel.DataAnnotations;

namespace StreamHub.Live;

/// <summary>Subscriptions on live streams and their GOP cache, bound from <c>StreamHub:Live</c>.</summary>
public sealed class LiveOptions : IValidatableObject
{
    public const string Section = "StreamHub:Live";

    /// <summary>Longest GOP kept for late joiners (media time since the last video keyframe); a longer GOP is not
    /// cached, and a late joiner waits for the next keyframe. 0 turns the cache off.</summary>
    [Range(0.0, 60.0, ErrorMessage = "StreamHub:Live:GopCacheMaxSeconds must be between 0 and 60 seconds.")]
    public double GopCacheMaxSeconds { get; set; } = 10;

    /// <summary>Keep the GOP cache from the moment a stream goes live, so even its first viewer starts at once. Off, the
    /// cache starts with a stream's first subscriber (who waits for the next keyframe, up to one GOP, for sound and picture alike) and a stream
    /// nobody watches holds no GOP of pooled frames.</summary>
    public bool GopCacheAlways { get; set; }

    /// <summary>Most payload bytes kept in the GOP cache.</summary>
    [Range(0, 256 * 1024 * 1024, ErrorMessage = "StreamHub:Live:GopCacheMaxBytes must be between 0 and 268435456.")]
    public int GopCacheMaxBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>Most media time queued for one subscriber (oldest unread to newest frame).</summary>
    [Range(0.5, 120.0, ErrorMessage = "StreamHub:Live:SubscriberQueueMaxSeconds must be between 0.5 and 120 seconds.")]
    public double SubscriberQueueMaxSeconds { get; set; } = 15;

    /// <summary>Most payload bytes queued for one subscriber.</summary>
    [Range(64 * 1024, 1024 * 1024 * 1024, ErrorMessage = "StreamHub:Live:SubscriberQueueMaxBytes must be between 65536 and 1073741824.")]
    public int SubscriberQueueMaxBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Most frames queued for one subscriber: the size of its ring (rounded up to a power of two), 16 bytes a slot.</summary>
    [Range(64, 65_536, ErrorMessage = "StreamHub:Live:SubscriberQueueMaxFrames must be between 64 and 65536.")]
    public int SubscriberQueueMaxFrames { get; set; } = 2048;

    /// <summary>A subscriber that keeps dropping frames (its queue full) for this much media time is removed.</summary>
    [Range(0.5, 600.0, ErrorMessage = "StreamHub:Live:SubscriberMaxBehindSeconds must be between 0.5 and 600 seconds.")]
    public double SubscriberMaxBehindSeconds { get; set; } = 10;

    /// <summary>How long (media time) audio of a stream with video may wait for the next video frame, held once by the
    /// stream and then queued to every subscriber with that frame: one visit per subscriber and one write per player
    /// instead of two. 0 hands every frame to the subscribers as it comes.</summary>
    [Range(0, 1000, ErrorMessage = "StreamHub:Live:SubscriberAudioHoldMilliseconds must be between 0 and 1000.")]
    public int SubscriberAudioHoldMilliseconds { get; set; } = 50;

    /// <summary>A player (HTTP-FLV) that takes nothing of what is written to it for this long is disconnected: its
    /// subscription cannot tell a player whose socket is stuck from a slow one while the publisher is idle.</summary>
    [Range(1, 300, ErrorMessage = "StreamHub:Live:PlayerWriteTimeoutSeconds must be between 1 and 300.")]
    public int PlayerWriteTimeoutSeconds { get; set; } = 10;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // A late joiner is handed the whole GOP cache at once: it must fit in its queue.
        if (SubscriberQueueMaxSeconds <= GopCacheMaxSeconds)
        {
            yield return new ValidationResult("StreamHub:Live:SubscriberQueueMaxSeconds must be longer than StreamHub:Live:GopCacheMaxSeconds.",
                [nameof(SubscriberQueueMaxSeconds)]);
        }
        if (SubscriberQueueMaxBytes <= GopCacheMaxBytes)
        {
            yield return new ValidationResult("StreamHub:Live:SubscriberQueueMaxBytes must be larger than StreamHub:Live:GopCacheMaxBytes.",
                [nameof(SubscriberQueueMaxBytes)]);
        }
    }
}

namespace StreamHub.StreamKeys;

/// <summary>What the key store says about a publish attempt. <see cref="StreamName"/> is set when the key matched a
/// stream (allowed or expired), so the log line can name the stream and never the key.</summary>
public readonly record struct PublishDecision(PublishVerdict Verdict, string? StreamName);

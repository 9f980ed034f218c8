namespace StreamHub.Recording;

/// <summary>Body of <c>POST /api/streams/{name}/recordings/{id}/links</c>.</summary>
/// <param name="ExpiresInSeconds">How long the link works (60 up to StreamHub:Recording:MaxLinkSeconds); default one day.</param>
public sealed record RecordingLinkRequest(int? ExpiresInSeconds);

namespace StreamHub.Hosting;

/// <summary>Who goes on when an output's ring send completes (the player's session, whose loop the flush's
/// continuation resumes): asked for its objects ahead, as the loop that queued the sends asked for them, since the
/// sends to the players before it have pushed them out of the cache again (<see cref="SendRing"/>).</summary>
internal interface IRingSendOwner
{
    /// <summary>Asks for the objects the continuation reads besides the owner itself (<see cref="Media.CacheLines"/>).</summary>
    void PrefetchForCompletion();
}

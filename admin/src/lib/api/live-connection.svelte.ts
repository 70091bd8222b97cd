/**
 * The state of the WebSocket that carries live updates, for the status badge and for screens
 * that must catch up after a gap: events published while the socket was down are not replayed,
 * so a screen refetches when `connectedCount` rises past one.
 */

/**
 * - `idle`: no live view is open, so no socket is needed.
 * - `connecting`: opening the first socket.
 * - `live`: connected; changes arrive as they happen.
 * - `reconnecting`: the socket dropped and is being reopened; what is shown may be stale.
 */
export type LiveConnectionStatus = 'idle' | 'connecting' | 'live' | 'reconnecting';

class LiveConnection {
  status = $state<LiveConnectionStatus>('idle');

  /** How many times the socket has connected since sign-in. */
  connectedCount = $state(0);
}

export const liveConnection = new LiveConnection();

/**
 * @module
 * Test clients for fastts apps: in-process (`TestClient`) and over a real
 * socket (`LiveTestClient`). Both can wait for background tasks.
 */
export { TestClient } from './test-client.js';
export { LiveTestClient, type LiveClientOptions } from './live-client.js';
export { BaseClient, TestResponse, BackgroundTaskError, type ClientOptions, type RequestOptions, type HeaderMap, type CollectedTask } from './client.js';
export { TestStream, type SSEEvent, type SSEOptions } from './stream.js';
export { WebSocketSession, WebSocketHandshakeError, type WebSocketConnectOptions, type CloseInfo } from './websocket-client.js';

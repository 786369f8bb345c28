document.body.append(document.createTextNode('rendered'));
requestAnimationFrame(() => window.__TAURI__.core.invoke('page_ready'));

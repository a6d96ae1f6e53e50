// vite imports stylesheets (CSS, and the NHS design system's Sass) for their side effect
declare module '*.css';
declare module '*.scss';

/* Prints without end: a guest whose output outruns its reader. */
#include "mica/mica.h"
int main(void){ for(;;) printf("chatty chatty chatty chatty chatty chatty chatty chatty\n"); }
